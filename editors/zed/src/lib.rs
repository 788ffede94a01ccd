//! Zed extension that runs `dockwise serve` for Dockerfiles.
//!
//! The server is the `dockwise` on PATH (`pipx install dockwise`), or the
//! `lsp.dockwise.binary` of the user's settings; `lsp.dockwise.settings` is
//! the workspace configuration and `lsp.dockwise.initialization_options` the
//! initialization options, both passed through unchanged.
use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result};

struct Dockwise;

impl zed::Extension for Dockwise {
    fn new() -> Self {
        Dockwise
    }

    fn language_server_command(
        &mut self,
        language_server_id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(language_server_id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.binary);
        let command = binary
            .as_ref()
            .and_then(|b| b.path.clone())
            .or_else(|| worktree.which("dockwise"))
            .ok_or_else(|| "dockwise is not on PATH: install it (pipx install dockwise) or set lsp.dockwise.binary.path".to_string())?;
        let args = binary
            .as_ref()
            .and_then(|b| b.arguments.clone())
            .unwrap_or_else(|| vec!["serve".to_string()]);
        Ok(zed::Command { command, args, env: Default::default() })
    }

    fn language_server_initialization_options(
        &mut self,
        language_server_id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(language_server_id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.initialization_options))
    }

    fn language_server_workspace_configuration(
        &mut self,
        language_server_id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<zed::serde_json::Value>> {
        Ok(LspSettings::for_worktree(language_server_id.as_ref(), worktree)
            .ok()
            .and_then(|s| s.settings))
    }
}

zed::register_extension!(Dockwise);
