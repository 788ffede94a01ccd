-- Drives a real headless Neovim (0.7+) through what a user does with dockwise:
-- open a Dockerfile, see diagnostics, hover the base image, apply the
-- MAINTAINER quick fix, see the diagnostics update. The user's configuration
-- (docs/editors/neovim.md's Neovim 0.7 snippet) is loaded with `-u`; this script runs
-- afterwards with `-c "luafile ..."`, so filetype detection is on as usual.
--
-- Environment: DOCKWISE_E2E_FILE (the Dockerfile), DOCKWISE_E2E_OUT (JSON
-- result), DOCKWISE_E2E_WAIT_MS (bound for every wait). Every step records what
-- it saw; tests/editors/test_neovim.py asserts on the JSON. Nothing here
-- decides pass/fail except a Lua error (exit code 1).

local FILE = assert(os.getenv("DOCKWISE_E2E_FILE"))
local OUT = assert(os.getenv("DOCKWISE_E2E_OUT"))
local WAIT = tonumber(os.getenv("DOCKWISE_E2E_WAIT_MS") or "15000")

local v = vim.version()
local R = { nvim = string.format("%d.%d.%d", v.major, v.minor, v.patch), publishes = {} }

vim.lsp.set_log_level("debug")
R.lsp_log = vim.lsp.get_log_path()

-- Every publishDiagnostics the client handles: its document version and codes.
local publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
  local codes = {}
  for _, d in ipairs(params and params.diagnostics or {}) do table.insert(codes, d.code) end
  table.insert(R.publishes, { version = params and params.version, codes = codes })
  return publish(err, params, ctx, config)
end

local function diagnostics(buf)
  return vim.tbl_map(function(d)
    return { code = d.code, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
             severity = d.severity, source = d.source, message = d.message,
             has_data = d.user_data ~= nil and d.user_data.lsp ~= nil and d.user_data.lsp.data ~= nil }
  end, vim.diagnostic.get(buf))
end

local function has_code(buf, code)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then return d end
  end
end

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(FILE))
  local buf = vim.api.nvim_get_current_buf()
  R.filetype = vim.bo[buf].filetype
  -- 0.7 lists a client for the buffer once the server answered `initialize`
  vim.wait(WAIT, function() return next(vim.lsp.buf_get_clients(buf)) ~= nil end, 20)
  local client = select(2, next(vim.lsp.buf_get_clients(buf)))
  if not client then return end
  R.client = { name = client.name, id = client.id }
  client.config.on_exit = function(code, signal) R.server_exit = { code = code, signal = signal } end
  local uri = vim.uri_from_bufnr(buf)

  -- 1. diagnostics arrive, with the README snippet's settings (ignore DL3008) applied
  R.diagnostics_wait_ok = vim.wait(WAIT, function()
    return has_code(buf, "DL4000") ~= nil and has_code(buf, "DL3008") == nil
  end, 50)
  R.diagnostics = diagnostics(buf)
  R.offset_encoding = client.offset_encoding

  -- 2. hover on the base image of the first FROM
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, line in ipairs(lines) do
    local s = line:find("FROM%s+%S")
    if s then
      local image_col = line:find("%S", s + 4) - 1
      local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
        textDocument = { uri = uri }, position = { line = i - 1, character = image_col + 2 },
      }, WAIT)
      R.hover = hover and hover[client.id] or { timeout = true }
      break
    end
  end

  -- 3. the quick fix for DL4000, as `vim.lsp.buf.code_action()` would ask for it
  local d = has_code(buf, "DL4000")
  if not d then return end
  local line_diags = vim.lsp.diagnostic.get_line_diagnostics(buf, d.lnum) -- LSP shape, `data` kept
  local range
  for _, ld in ipairs(line_diags) do
    if ld.code == "DL4000" then range = ld.range end
  end
  local res = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
    textDocument = { uri = uri }, range = range, context = { diagnostics = line_diags },
  }, WAIT)
  res = res and res[client.id] or { timeout = true }
  R.code_action_error = res.err or res.timeout
  local actions = type(res.result) == "table" and res.result or {}
  R.actions = vim.tbl_map(function(a) return { title = a.title, kind = a.kind, has_edit = a.edit ~= nil } end, actions)
  local action
  for _, a in ipairs(actions) do
    local title = a.title or ""
    if (a.kind or "quickfix"):match("^quickfix") and title:find("MAINTAINER", 1, true)
        and not title:lower():find("ignore") and not title:lower():find("disable") then
      action = a
      break
    end
  end
  if not action then return end
  R.chosen_action = action.title
  if not action.edit then
    local r = client.request_sync("codeAction/resolve", action, WAIT, buf)
    R.resolve_error = r and r.err or (r == nil and "timeout") or nil
    action = r and r.result or action
  end
  if not action.edit then return end
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  R.lines_after_fix = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

  -- 4. diagnostics for the edited version: DL4000 gone
  local version = vim.lsp.util.buf_versions[buf]
  R.version_after_fix = version
  R.update_wait_ok = vim.wait(WAIT, function()
    local last = R.publishes[#R.publishes]
    return last ~= nil and last.version == version and has_code(buf, "DL4000") == nil
  end, 50)
  R.diagnostics_after_fix = diagnostics(buf)

  -- 5. clean shutdown
  vim.lsp.stop_client(client.id)
  R.client_stopped = vim.wait(WAIT, function() return R.server_exit ~= nil end, 50)
end

local ok, err = xpcall(main, debug.traceback)
R.lua_error = not ok and tostring(err) or nil
R.messages = vim.api.nvim_exec("messages", true)
vim.fn.writefile({ vim.fn.json_encode(R) }, OUT)
vim.cmd(ok and "qall!" or "cquit 1")
