" Runs docs/editors/vim.md's vim-lsp snippet in a real Vim against a recording
" lsp#register_server (vim-lsp itself is not packaged by Debian): fires the
" lsp_setup event as vim-lsp does and writes what was registered, with `cmd`
" called as vim-lsp calls it, to $DOCKWISE_E2E_OUT.
let s:out = $DOCKWISE_E2E_OUT
let s:result = {}
try
  execute 'source ' . fnameescape($DOCKWISE_SNIPPET)
  doautocmd <nomodeline> User lsp_setup
  let s:info = get(g:, 'dockwise_registered', {})
  let s:result.registered = filter(copy(s:info), 'type(v:val) != v:t_func')
  if has_key(s:info, 'cmd')
    let s:result.cmd = type(s:info.cmd) == v:t_func ? s:info.cmd(s:info) : s:info.cmd
  endif
catch
  let s:result.vim_error = v:exception . ' at ' . v:throwpoint
endtry
call writefile([json_encode(s:result)], s:out)
qall!
