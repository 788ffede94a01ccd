import { test } from "node:test";
import * as assert from "node:assert/strict";
import { parseRuleList, ruleMarkdown } from "../rules";

test("`dockwise rule --all` lines become quick-pick entries", () => {
  const rules = parseRuleList("DL3002  last-user-root   Last USER should not be root\nDW001   big-base-image   A large base image (off by default)\n\nnoise\n");
  assert.deepEqual(rules, [
    { code: "DL3002", name: "last-user-root", summary: "Last USER should not be root" },
    { code: "DW001", name: "big-base-image", summary: "A large base image (off by default)" },
  ]);
});

test("`dockwise rule CODE` becomes a Markdown page", () => {
  const md = ruleMarkdown("DL3059 consecutive-run\nsummary: Chain RUNs\nseverity: info\nurl: https://example.org/rules.md#dl3059\n\n## What it does\nFlags RUNs.\n");
  assert.equal(md, "# DL3059 consecutive-run\n\n- **summary**: Chain RUNs\n- **severity**: info\n- **url**: <https://example.org/rules.md#dl3059>\n\n## What it does\nFlags RUNs.\n");
});
