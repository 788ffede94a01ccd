-- Checks docs/editors/neovim.md's snippets inside Neovim 0.7 (LuaJIT): each must
-- compile, and, run against stubs of the APIs newer Neovims have (vim.lsp.start,
-- vim.fs, vim.lsp.config/enable, nvim-lspconfig), must pass the configuration
-- that page promises. Records what each snippet passed; the pytest test asserts.
--
-- Environment: DOCKWISE_SNIPPETS (JSON list of {kind, path}), DOCKWISE_SNIPPETS_OUT.

local snippets = vim.fn.json_decode(assert(os.getenv("DOCKWISE_SNIPPETS")))
local OUT = assert(os.getenv("DOCKWISE_SNIPPETS_OUT"))

local function plain(x) -- JSON-safe copy (functions become a marker)
  if type(x) == "function" then return "<function>" end
  if type(x) ~= "table" then return x end
  local t = {}
  local list = vim.tbl_islist(x)
  for k, val in pairs(x) do t[list and k or tostring(k)] = plain(val) end
  return t
end

local function run(kind, chunk)
  local seen = {}
  local saved = { start = vim.lsp.start, config = vim.lsp.config, enable = vim.lsp.enable, fs = vim.fs }
  local mods = { "lspconfig", "lspconfig.configs", "lspconfig.util" }
  vim.lsp.start = function(cfg) seen.start = cfg; return 1 end
  vim.fs = {
    find = function(names, opts) seen.find = { names = names, opts = opts }; return { "/ws/.git" } end,
    dirname = function(p) return (p:gsub("/[^/]*$", "")) end,
  }
  vim.lsp.config = setmetatable({}, { __call = function(_, name, cfg) seen.config = { name = name, cfg = cfg } end })
  vim.lsp.enable = function(name) seen.enable = name end
  local configs = {}
  package.loaded["lspconfig.configs"] = configs
  package.loaded["lspconfig.util"] = { root_pattern = function(...) seen.root_pattern = { ... }; return function() end end }
  package.loaded["lspconfig"] = setmetatable({}, { __index = function(_, name)
    return { setup = function(opts) seen.setup = { name = name, opts = opts } end }
  end })

  local ok, err = pcall(function()
    chunk()
    if kind == "nvim-0.8" then -- the FileType autocmd fires for a Dockerfile
      local b = vim.api.nvim_create_buf(true, false)
      vim.api.nvim_buf_set_name(b, "/ws/sub/Dockerfile")
      vim.api.nvim_set_current_buf(b)
      vim.cmd("setfiletype dockerfile")
    end
  end)
  seen.error = not ok and tostring(err) or nil
  seen.lspconfig = configs.dockwise

  vim.api.nvim_clear_autocmds({ event = "FileType", pattern = "dockerfile" })
  vim.lsp.start, vim.lsp.config, vim.lsp.enable, vim.fs = saved.start, saved.config, saved.enable, saved.fs
  for _, m in ipairs(mods) do package.loaded[m] = nil end
  return seen
end

local result = {}
for _, s in ipairs(snippets) do
  local f = assert(io.open(s.path))
  local chunk, err = loadstring(f:read("*a"), "=" .. s.kind)
  f:close()
  local entry = { kind = s.kind, compiles = chunk ~= nil, compile_error = err }
  if chunk and s.kind ~= "nvim-0.7" then -- 0.7 runs for real in nvim_e2e.lua
    entry.seen = plain(run(s.kind, chunk))
  end
  table.insert(result, entry)
end
vim.fn.writefile({ vim.fn.json_encode(result) }, OUT)
vim.cmd("qall!")
