// @actions/workflow-parser imports its JSON schema without an import attribute (it is written for bundlers);
// Node refuses that, so this hook adds `type: "json"` to JSON imports. Loaded with `node --import`.
import { register } from "node:module";

register("data:text/javascript," + encodeURIComponent(`
export async function load(url, context, next) {
  if (url.endsWith(".json")) context = { ...context, importAttributes: { ...context.importAttributes, type: "json" } };
  return next(url, context);
}`));
