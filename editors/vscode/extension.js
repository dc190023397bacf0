// The msgarch extension: starts `msgarch lsp` (msgarch.server.command and .args) for
// .msgarch files and lets the language client do the rest.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("msgarch");
  const server = {
    command: settings.get("server.command", "msgarch"),
    args: settings.get("server.args", ["lsp"]),
    transport: TransportKind.stdio,
  };
  client = new LanguageClient(
    "msgarch",
    "msgarch",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "msgarch" }],
      initializationOptions: { debounce: settings.get("debounce", 200) },
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.msgarch,.msgarch.toml,pyproject.toml}"),
      },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
