// A minimal MCP Apps host for the browser test: puts the app's HTML in a sandboxed iframe the way hosts do (no
// same origin, the resource's CSP and permissions applied) and talks to it with the SDK's host side, AppBridge.
import { AppBridge, PostMessageTransport, buildAllowAttribute } from "@modelcontextprotocol/ext-apps/app-bridge";
import type { McpUiResourceCsp, McpUiResourcePermissions } from "@modelcontextprotocol/ext-apps/app-bridge";

interface Load {
  html: string;
  csp: McpUiResourceCsp;
  permissions: McpUiResourcePermissions;
  theme: "light" | "dark";
  toolInput: Record<string, unknown>;
  toolResult: Record<string, unknown>;
}

/** CSP a host builds from `_meta.ui.csp`: an empty declaration leaves no network at all. */
function cspOf(csp: McpUiResourceCsp): string {
  const list = (d?: string[]) => (d && d.length ? d.join(" ") : "");
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${list(csp.resourceDomains)}`.trim(),
    `style-src 'unsafe-inline' ${list(csp.resourceDomains)}`.trim(),
    `img-src data: ${list(csp.resourceDomains)}`.trim(),
    `connect-src ${list(csp.connectDomains) || "'none'"}`,
    `frame-src ${list(csp.frameDomains) || "'none'"}`,
  ].join("; ");
}

const w = window as unknown as Record<string, unknown>;
w.messages = [] as unknown[];
let bridge: AppBridge | undefined;

w.load = async (load: Load) => {
  document.body.style.background = load.theme === "dark" ? "#0d1117" : "#ffffff";
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.setAttribute("allow", buildAllowAttribute(load.permissions));
  frame.title = "NetSuite result";
  frame.style.cssText = "width: 860px; height: 640px; border: 1px solid #888;";
  bridge = new AppBridge(
    null,
    { name: "netsuite-mcp-test-host", version: "1.0.0" },
    { message: { text: {} }, openLinks: {}, sandbox: { csp: load.csp, permissions: load.permissions } },
    { hostContext: { theme: load.theme, locale: "en-US", displayMode: "inline", platform: "web" } },
  );
  bridge.onmessage = async (params) => {
    (w.messages as unknown[]).push(params);
    return {};
  };
  const initialized = new Promise<void>((resolve) => {
    if (bridge) bridge.oninitialized = () => resolve();
  });
  // Listen before the page runs: the app sends ui/initialize as soon as its script starts.
  document.getElementById("slot")?.replaceChildren(frame);
  const win = frame.contentWindow as Window;
  await bridge.connect(new PostMessageTransport(win, win));
  const meta = `<meta http-equiv="Content-Security-Policy" content="${cspOf(load.csp)}">`;
  frame.srcdoc = load.html.replace("<head>", `<head>${meta}`);
  await initialized;
  await bridge.sendToolInput({ arguments: load.toolInput });
  await bridge.sendToolResult(load.toolResult as Parameters<AppBridge["sendToolResult"]>[0]);
};
