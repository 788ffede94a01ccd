import { test } from "node:test";
import * as assert from "node:assert/strict";
import { CLIENT_ONLY, argv, serverSettingNames, serverSettings, withWorkspaceTrust } from "../settings";
import { PACKAGE_JSON } from "./stub";

test("server settings are package.json's dockwise.* properties minus the client-only ones", () => {
  const names = serverSettingNames(PACKAGE_JSON);
  for (const n of ["select", "ignore", "extendSelect", "severity", "debounceMs", "diagnosticMode", "logLevel", "unsafeFixes", "images.online", "images.platform", "images.inlayHints"]) {
    assert.ok(names.includes(n), `${n} is sent to the server`);
  }
  for (const n of CLIENT_ONLY) assert.ok(!names.includes(n), `${n} stays in the client`);
  for (const n of CLIENT_ONLY) assert.ok(`dockwise.${n}` in PACKAGE_JSON.contributes.configuration.properties, `dockwise.${n} is contributed`);
});

test("dotted names become nested objects, as VS Code and the server spell them", () => {
  const values: Record<string, unknown> = { ignore: ["DL3008"], "images.online": false, "images.platform": "linux/arm64", severity: { DL3059: "off" } };
  const cfg = { get: <T>(k: string) => values[k] as T | undefined };
  assert.deepEqual(serverSettings(cfg, ["ignore", "images.online", "images.platform", "severity", "select"]), {
    ignore: ["DL3008"],
    images: { online: false, platform: "linux/arm64" },
    severity: { DL3059: "off" },
  });
});

test("command-line settings: lists of strings, a lone string is one argument", () => {
  assert.deepEqual(argv(["/usr/bin/python3", "", 3, "-X"]), ["/usr/bin/python3", "-X"]);
  assert.deepEqual(argv(" /opt/py/bin/python "), ["/opt/py/bin/python"]);
  assert.deepEqual(argv(null), []);
  assert.deepEqual(argv({}), []);
});

test("Restricted Mode: images.online is false whatever the settings say; trusted: unchanged", () => {
  const s = { ignore: ["DL3008"], images: { online: true, registries: ["localhost:5000"] } };
  assert.deepEqual(withWorkspaceTrust(s, false), { ignore: ["DL3008"], images: { online: false, registries: ["localhost:5000"] } });
  assert.deepEqual(withWorkspaceTrust({}, false), { images: { online: false } });
  assert.equal(withWorkspaceTrust(s, true), s);
  assert.equal(s.images.online, true, "the input is not changed");
});
