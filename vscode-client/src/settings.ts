// Settings → server payload. No `vscode` import: unit-testable in plain Node.
//
// The server's settings are every `dockwise.*` property of package.json's
// contributes.configuration except the client-only ones below (package.json is
// generated from the server's schema by `python -m dockwise.cli.vscode_manifest`).

export const SECTION = "dockwise";
/** Read by the extension only (same list as CLIENT_SETTINGS in server/vscode_manifest.py). */
export const CLIENT_ONLY = ["interpreter", "path", "trace.server"];
/** Changing one of these restarts the server; the others reach it through workspace/configuration. */
export const RESTART_SETTINGS = ["interpreter", "path"];

export interface ConfigLike {
  get<T>(key: string, defaultValue?: T): T | undefined;
}

/** Server setting names (`select`, `images.online`, ...) from the extension's package.json. */
export function serverSettingNames(packageJSON: any): string[] {
  const props = packageJSON?.contributes?.configuration?.properties ?? {};
  return Object.keys(props)
    .filter((k) => k.startsWith(SECTION + "."))
    .map((k) => k.slice(SECTION.length + 1))
    .filter((k) => !CLIENT_ONLY.includes(k));
}

/**
 * The `dockwise` section as the server reads it: nested for dotted names
 * (`images.online` → `{images: {online: …}}`, VS Code's own shape), client-only
 * settings left out. Used for initializationOptions and workspace/configuration.
 */
export function serverSettings(cfg: ConfigLike, names: string[]): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const name of names) {
    const value = cfg.get(name);
    if (value === undefined) continue;
    const parts = name.split(".");
    let node = out;
    for (const p of parts.slice(0, -1)) node = node[p] = typeof node[p] === "object" && node[p] !== null ? node[p] : {};
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/** Remove the client-only keys from a `dockwise` section object (VS Code's nested shape). */
export function withoutClientSettings(section: unknown): unknown {
  if (typeof section !== "object" || section === null || Array.isArray(section)) return section;
  const out: Record<string, any> = { ...(section as Record<string, unknown>) };
  for (const name of CLIENT_ONLY) {
    const parts = name.split(".");
    if (parts.length === 1) {
      delete out[name];
    } else if (typeof out[parts[0]] === "object" && out[parts[0]] !== null) {
      const inner = { ...out[parts[0]] };
      delete inner[parts[1]];
      if (Object.keys(inner).length) out[parts[0]] = inner;
      else delete out[parts[0]];
    }
  }
  return out;
}

/** A command-line setting as a list of strings (a lone string is one argument). */
export function argv(value: unknown): string[] {
  if (typeof value === "string") return value.trim() ? [value.trim()] : [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v.trim() !== "");
  return [];
}

/**
 * VS Code's Restricted Mode (an untrusted workspace): the Dockerfiles there
 * choose which registries would be asked for image sizes, so no registry is
 * contacted — `images.online` is sent as false whatever the settings say.
 */
export function withWorkspaceTrust(settings: Record<string, unknown>, trusted: boolean): Record<string, unknown> {
  if (trusted) return settings;
  const images = typeof settings.images === "object" && settings.images !== null && !Array.isArray(settings.images) ? { ...(settings.images as Record<string, unknown>) } : {};
  images.online = false;
  return { ...settings, images };
}
