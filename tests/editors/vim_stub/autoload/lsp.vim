" A recording stand-in for vim-lsp's lsp#register_server (tests/editors/test_vim.py).
function! lsp#register_server(info) abort
  let g:dockwise_registered = a:info
endfunction
