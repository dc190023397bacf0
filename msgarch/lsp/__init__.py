"""`msgarch lsp`: a language server for .msgarch files (pygls; the `msgarch[lsp]` extra).

msgarch.lsp.project holds the editor-independent state (open buffers, parsed files kept
across edits, the include graph, lint results); msgarch.lsp.features answers hover,
completion, navigation, code actions and symbols from it; msgarch.lsp.server wires both
to the Language Server Protocol.
"""
