" Loaded after the ALE snippet from docs/editors/vim.md (the user's vimrc) in a
" real Vim (-es). Opens the Dockerfile, waits (bounded) until ALE shows
" dockwise's findings with the snippet's settings applied, hovers the base
" image through ALE's LSP client, and writes what it saw to $DOCKWISE_E2E_OUT.
let s:out = $DOCKWISE_E2E_OUT
let s:result = {}
try
  execute 'edit ' . fnameescape($DOCKWISE_E2E_FILE)
  let s:result.filetype = &filetype
  let s:deadline = reltimefloat(reltime()) + str2nr($DOCKWISE_E2E_WAIT_MS) / 1000.0
  let s:items = []
  while reltimefloat(reltime()) < s:deadline
    let s:items = ale#engine#GetLoclist(bufnr(''))
    let s:codes = map(copy(s:items), 'get(v:val, "code", "")')
    if index(s:codes, 'DL4000') >= 0 && index(s:codes, 'DL3008') < 0
      let s:result.settings_applied = 1
      break
    endif
    sleep 50m
  endwhile
  let s:result.items = map(copy(s:items), '{"code": get(v:val, "code", ""), "lnum": v:val.lnum, "col": v:val.col,'
  \ . ' "end_lnum": get(v:val, "end_lnum", 0), "end_col": get(v:val, "end_col", 0), "type": v:val.type,'
  \ . ' "linter": v:val.linter_name}')
catch
  let s:result.vim_error = v:exception . ' at ' . v:throwpoint
endtry
call writefile([json_encode(s:result)], s:out)
qall!
