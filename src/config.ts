import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { LABEL_STUDIO_CHART } from "./labelStudio/chart";
import { MEDIA_FOLDER } from "./labelStudio/values";
import { STORAGE_DEFAULTS } from "./labelStudioStorage/defaults";
import { importRegexProblem, prefixesOverlap, renderPrefix, unknownPlaceholders } from "./labelStudioStorage/prefix";
import { parsePostgresUrl, type PostgresUrlParts } from "./postgresUrl";

/** The Pulumi project name; every key of ours lives in this namespace. */
export const PROJECT = "oceanid-cluster";

export type ConfigKeyType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySpec {
  type: ConfigKeyType;
  description: string;
  /** A credential: when set, it must arrive as a Pulumi secret (ESC `fn::secret`, `config set --secret`). */
  secret?: boolean;
  /** Used when the key is absent. No default means the key is required. */
  default?: string | number | boolean | string[];
  /** Validation of the decoded value. Messages say what would fix the value and never quote a secret. */
  check?: z.ZodType;
}

const dnsName = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, "must be a lower-case DNS name without scheme or path, e.g. label.example.com");
const cidr = z.string().refine((v) => ipaddr.isValidCIDR(v), "must be a CIDR such as 10.42.0.0/16");
/** `[registry:port/]name[:tag][@sha256:digest]`; groups: the tag, the digest. */
const IMAGE_REFERENCE = /^(?:[\w.-]+:\d+\/)?[^\s:@]+(?::([\w][\w.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/;
const pinnedImage = z.string().superRefine((v, ctx) => {
  const reference = IMAGE_REFERENCE.exec(v);
  if (!reference) {
    ctx.addIssue("must be an image reference: [registry[:port]/]name[:tag][@sha256:<64 hex digits>], e.g. ubuntu/squid:6.10-24.10_beta");
  } else if (!reference[2] && (!reference[1] || reference[1] === "latest")) {
    ctx.addIssue("must be pinned to an exact tag or a digest (not :latest), so a restart never pulls a different image");
  }
});
const prefix = z.string().regex(/^[^/].*$/, "must be a relative S3 key prefix on one line, without a leading slash, e.g. raw-uploads");
const positiveDays = z.number().int().min(1, "must be at least 1 day").max(3650, "must be at most 3650 days");
const postgresUrl = z.string().superRefine((v, ctx) => {
  try {
    parsePostgresUrl(v);
  } catch (err) {
    // Stryker disable next-line StringLiteral: the code only types the issue for zod; what the operator reads is the message
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

/**
 * Every key the stack reads, in the project namespace. This table is the single source of
 * truth: the parser, the `config:` block of Pulumi.yaml (checked by a test) and the README
 * derive from it.
 */
export const CONFIG_KEYS = {
  kubeconfig: { type: "string", secret: true, description: "Kubeconfig (YAML) of the k3s cluster; the Kubernetes provider is built from it, never from ambient credentials." },

  "aws.labelStudio.accessKeyId": { type: "string", secret: true, description: "Access key id for the uploads bucket (Label Studio file persistence and per-project storages)." },
  "aws.labelStudio.secretAccessKey": { type: "string", secret: true, description: "Secret access key paired with aws.labelStudio.accessKeyId." },
  "aws.labelStudio.bucketName": {
    type: "string",
    description: "Uploads bucket, e.g. labelstudio-goldfish-uploads.",
    check: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)"),
  },
  "aws.labelStudio.region": { type: "string", description: "Region of the uploads bucket, e.g. us-east-1.", check: z.string().regex(/^[a-z]{2,}(-[a-z0-9]+)*-\d+$/, "must be a region name such as us-east-1") },
  "aws.labelStudio.endpoint": {
    type: "string",
    default: "",
    description: "S3-compatible endpoint URL (e.g. MinIO); empty for AWS S3. Settings the endpoint cannot honour are skipped with a warning.",
    check: z.union([z.literal(""), z.url({ protocol: /^https?$/, error: "must be an http(s):// URL or empty" })]),
  },
  "aws.labelStudio.importPrefix": { type: "string", default: STORAGE_DEFAULTS.importPrefix, description: "Base prefix of per-project import storages; supports {project} and {project_id}.", check: prefix },
  "aws.labelStudio.exportPrefix": { type: "string", default: STORAGE_DEFAULTS.exportPrefix, description: "Base prefix of per-project export storages; supports {project} and {project_id}.", check: prefix },
  "aws.labelStudio.importRegex": {
    type: "string",
    default: STORAGE_DEFAULTS.importRegex,
    description: "Regex (Python syntax) of object keys Label Studio imports as tasks; must not match the .oceanid-keep prefix marker (the default skips keys whose last segment starts with a dot).",
  },
  "aws.labelStudio.importTitle": { type: "string", default: STORAGE_DEFAULTS.importTitle, description: "Title of each project's import storage." },
  "aws.labelStudio.exportTitle": { type: "string", default: STORAGE_DEFAULTS.exportTitle, description: "Title of each project's export storage." },
  "aws.labelStudio.lifecycle.abortIncompleteUploadDays": { type: "integer", default: 7, description: "Days after which incomplete multipart uploads are aborted.", check: positiveDays },
  "aws.labelStudio.lifecycle.importNoncurrentDays": { type: "integer", default: 30, description: "Days a replaced or deleted upload under the import prefix is kept as a noncurrent version.", check: positiveDays },
  "aws.labelStudio.lifecycle.exportNoncurrentDays": { type: "integer", default: 90, description: "Days a replaced or deleted export under the export prefix is kept as a noncurrent version.", check: positiveDays },

  labelStudioDbUrl: { type: "string", secret: true, description: "URL of Label Studio's own database (labelfish).", check: postgresUrl },
  cleandataDbUrl: { type: "string", secret: true, default: "", description: "URL of the cleandata pipeline database (secret). Wins over postgres_url.", check: z.union([z.literal(""), postgresUrl]) },
  postgres_url: { type: "string", secret: true, default: "", description: "Deprecated: the earlier analytics database URL (secret); used only when cleandataDbUrl is absent.", check: z.union([z.literal(""), postgresUrl]) },
  "migrations.runOnUp": { type: "boolean", default: false, description: "Whether `pulumi up` applies cleandata migrations; false leaves them to the database-migrations workflow." },

  hfAccessToken: {
    type: "string",
    secret: true,
    description: "Hugging Face token (hf_...) with write access to the dataset repo.",
    check: z.string().regex(/^hf_[A-Za-z0-9]{16,}$/, "must look like a Hugging Face token: hf_ followed by letters and digits (create one at huggingface.co/settings/tokens)"),
  },
  hfDatasetRepo: {
    type: "string",
    description: "Hugging Face dataset repo, owner/name.",
    check: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be owner/name, e.g. goldfish-inc/annotations"),
  },

  "labelStudio.hostname": { type: "string", description: "Public host name of Label Studio, e.g. label.boathou.se.", check: dnsName },
  "labelStudio.apiToken": { type: "string", secret: true, description: "Label Studio API token: a legacy token or a personal access token (JWT refresh token)." },
  "labelStudio.namespace": { type: "string", default: "apps", description: "Namespace of Label Studio and the app workloads.", check: dnsName },
  "labelStudio.chartVersion": {
    type: "string",
    default: LABEL_STUDIO_CHART.version,
    description: `Version of the heartex label-studio Helm chart; must be the vendored one (${LABEL_STUDIO_CHART.directory}). Optional, kept so a stack can state what it expects.`,
    check: z.string().refine(
      (v) => v === LABEL_STUDIO_CHART.version,
      `must be ${LABEL_STUDIO_CHART.version}, the exact chart version vendored in ${LABEL_STUDIO_CHART.directory}; another version needs that chart vendored first (src/labelStudio/README.md)`,
    ),
  },
  "labelStudio.ingressClassName": { type: "string", default: "traefik", description: "Ingress class of the Label Studio ingress (k3s ships traefik)." },
  "labelStudio.tlsClusterIssuer": { type: "string", default: "letsencrypt-prod", description: "cert-manager ClusterIssuer that issues the ingress certificate." },
  "labelStudio.projects": {
    type: "array",
    default: [],
    description: "Projects (ids or exact titles) whose import/export storages the stack provisions.",
    check: z
      .array(z.union([z.number().int().positive("a project id must be a positive whole number"), z.string().min(1, "a project title must not be empty")]), "must be a list of project ids or titles")
      .refine((projects) => new Set(projects.map(String)).size === projects.length, "lists a project twice; each project gets one storage pair"),
  },
  "labelStudio.provisioner.enabled": { type: "boolean", default: false, description: "Runs `oceanid provision --all` in-cluster on a schedule, for projects created in the UI between deploys." },
  "labelStudio.provisioner.schedule": {
    type: "string",
    default: "*/15 * * * *",
    description: "Cron schedule of the provisioner CronJob.",
    check: z.string().regex(/^(\S+\s+){4}\S+$/, "must be a five-field cron expression such as */15 * * * *"),
  },
  "labelStudio.provisioner.image": { type: "string", default: "", description: "Image of the provisioner CronJob (built from src/labelStudioStorage/Dockerfile); required when enabled." },

  "crunchyBridge.apiKey": { type: "string", secret: true, description: "CrunchyBridge API key (cbkey_...), for the firewall allowlist." },
  "crunchyBridge.networkId": {
    type: "string",
    description: "CrunchyBridge network id whose firewall the stack manages (e.g. ooer7tenangenjelkxbkgz6sdi).",
    check: z.string().regex(/^[a-z2-7]{25}[aeimquy4]$/, "must be a CrunchyBridge id (26 lower-case base32 characters)"),
  },
  "crunchyBridge.requestTimeoutMs": {
    type: "integer",
    default: 15000,
    description: "Per-request timeout of the CrunchyBridge API client (read by the firewall provider); retries follow a timeout.",
    check: z.number().int().min(100, "must be at least 100 ms").max(120000, "must be at most 120000 ms"),
  },
  "api.requestBudgetSeconds": {
    type: "integer",
    default: 60,
    description: "Time each Label Studio, CrunchyBridge and S3 request may take, retries included, inside `pulumi up` (oceanid provision: --request-budget or OCEANID_REQUEST_BUDGET).",
    check: z.number().int().min(1, "must be at least 1 second").max(3600, "must be at most 3600 seconds"),
  },
  "crunchyBridge.pruneStaleRules": { type: "boolean", default: true, description: "Remove firewall rules other than the egress IP (after the egress rule exists)." },

  "egress.nodeName": { type: "string", description: "Node the egress gateway is pinned to; its public IP is the cluster's egress IP.", check: dnsName },
  "egress.publicIp": { type: "string", description: "Public IPv4 address of the egress node; the only address on the database allowlist.", check: z.string().refine((v) => ipaddr.IPv4.isValidFourPartDecimal(v), "must be an IPv4 address such as 157.173.210.123") },
  "egress.podCidr": { type: "string", default: "10.42.0.0/16", description: "Cluster pod CIDR (k3s default 10.42.0.0/16).", check: cidr },
  "egress.serviceCidr": { type: "string", default: "10.43.0.0/16", description: "Cluster service CIDR (k3s default 10.43.0.0/16).", check: cidr },
  "egress.squidImage": { type: "string", default: "ubuntu/squid:6.10-24.10_beta", description: "Pinned squid image of the egress gateway.", check: pinnedImage },
  "egress.dbProxy.mode": {
    type: "string",
    default: "ssh-tunnel",
    description: "How egress-db-proxy reaches the database: ssh-tunnel (through tethys) or tcp-forward (plain TCP from the egress node).",
    check: z.enum(["ssh-tunnel", "tcp-forward"], "must be ssh-tunnel or tcp-forward"),
  },
  "egress.dbProxy.sshImage": { type: "string", default: "jnovack/autossh:2.0.1", description: "Pinned image with autossh and an OpenSSH client, for ssh-tunnel mode.", check: pinnedImage },
  "egress.dbProxy.forwarderImage": { type: "string", default: "alpine/socat:1.8.0.3", description: "Pinned socat image, for tcp-forward mode.", check: pinnedImage },
  "tethys.host": { type: "string", default: "", description: "SSH host of the tethys jump server (ssh-tunnel mode)." },
  "tethys.port": { type: "integer", default: 22, description: "SSH port of tethys.", check: z.number().int().min(1).max(65535, "must be a TCP port (1-65535)") },
  "tethys.user": { type: "string", default: "", description: "SSH user on tethys (ssh-tunnel mode)." },
  "tethys.privateKey": { type: "string", secret: true, default: "", description: "SSH private key for tethys (secret; ssh-tunnel mode)." },
  "tethys.knownHosts": { type: "string", default: "", description: "Pinned known_hosts line(s) for tethys; host keys are checked strictly (ssh-tunnel mode)." },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Namespaces a stack may also carry; anything else is a misspelling or a stray key. */
const FOREIGN_NAMESPACE_HINTS: Record<string, string> = {
  aws: "default providers are disabled; the AWS provider is built from oceanid-cluster:aws.labelStudio.* keys",
  kubernetes: "default providers are disabled; the Kubernetes provider is built from oceanid-cluster:kubeconfig",
};

export type Secret = pulumi.Output<string>;

/** A parsed database URL: connection facts in plain text (reviewable in previews), the password secret. */
export interface PostgresConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: string;
  password: Secret;
  url: Secret;
}

export interface OceanidConfig {
  project: string;
  stack: string;
  kubeconfig: Secret;
  uploads: {
    bucketName: string;
    region: string;
    endpoint?: string;
    accessKeyId: Secret;
    secretAccessKey: Secret;
    importPrefix: string;
    exportPrefix: string;
    importRegex: string;
    importTitle: string;
    exportTitle: string;
    lifecycle: { abortIncompleteUploadDays: number; importNoncurrentDays: number; exportNoncurrentDays: number };
  };
  labelStudio: {
    hostname: string;
    /** https:// origin of the UI, for CORS, CSRF and LABEL_STUDIO_HOST. */
    origin: string;
    namespace: string;
    ingressClassName: string;
    tlsClusterIssuer: string;
    apiToken: Secret;
    database: PostgresConnection;
    projects: Array<number | string>;
    provisioner: { enabled: boolean; schedule: string; image: string };
  };
  cleandata: {
    database: PostgresConnection;
    /** Which key supplied the URL (postgres_url is the deprecated fallback). */
    sourceKey: "cleandataDbUrl" | "postgres_url";
    runMigrationsOnUp: boolean;
  };
  huggingFace: { token: Secret; datasetRepo: string };
  crunchyBridge: { apiKey: Secret; networkId: string; pruneStaleRules: boolean };
  egress: {
    nodeName: string;
    publicIp: string;
    podCidr: string;
    serviceCidr: string;
    squidImage: string;
    dbProxy: { mode: "ssh-tunnel" | "tcp-forward"; sshImage: string; forwarderImage: string };
    tethys: { host: string; port: number; user: string; privateKey: Secret; knownHosts: string };
  };
}

export interface ConfigProblem {
  /** Full ESC path, e.g. pulumiConfig.oceanid-cluster:aws.labelStudio.bucketName. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface RawConfig {
  project: string;
  stack: string;
  /** Full keys (`namespace:key`) to string values, as the Pulumi engine hands them to a program. */
  values: Record<string, string>;
  /** Full keys whose values are secrets. */
  secretKeys: ReadonlySet<string>;
}

export interface ParsedConfig {
  config: OceanidConfig;
  warnings: string[];
}

export const escPath = (key: string): string => `pulumiConfig.${PROJECT}:${key}`;

/** Parses and validates raw stack config; reports every problem at once. Pure apart from wrapping secrets. */
export function parseConfig(raw: RawConfig): ParsedConfig {
  const problems: ConfigProblem[] = [];
  const decoded = new Map<ConfigKey, unknown>();
  const keyNames = Object.keys(CONFIG_KEYS) as ConfigKey[];

  for (const [fullKey, value] of Object.entries(raw.values)) {
    const colon = fullKey.indexOf(":");
    const namespace = fullKey.slice(0, Math.max(colon, 0));
    const key = fullKey.slice(colon + 1);
    if (namespace === "pulumi") continue;
    if (namespace !== PROJECT) {
      const hint = FOREIGN_NAMESPACE_HINTS[namespace] ?? `unknown namespace '${namespace}'; project keys belong under '${PROJECT}:'`;
      problems.push({ path: `pulumiConfig.${fullKey}`, message: `${hint}. Rename it to ${PROJECT}:${key}${keyNames.includes(key as ConfigKey) ? "" : " (or remove it)"}` });
      continue;
    }
    const spec: ConfigKeySpec | undefined = (CONFIG_KEYS as Record<string, ConfigKeySpec>)[key];
    if (!spec) {
      const suggestion = closestKey(key, keyNames);
      problems.push({ path: escPath(key), message: `unknown key${suggestion ? `; did you mean ${suggestion}?` : "."} Remove it or fix its name` });
      continue;
    }
    const isSecret = raw.secretKeys.has(fullKey);
    const unresolved = [...value.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[0]);
    if (unresolved.length > 0) {
      problems.push({
        path: escPath(key),
        message: `holds ${unresolved.join(", ")}, which does not resolve: define the value it names in the ESC environment or one of its imports (interpolation only happens inside ESC environments, never in the stack file)`,
      });
      continue;
    }
    if (spec.default === undefined && value.trim() === "") {
      problems.push({ path: escPath(key), message: `is set but empty: ${spec.description} Give it a value in the stack's ESC environment under values.pulumiConfig${spec.secret ? " as fn::secret" : ""}` });
      continue;
    }
    if (spec.secret && !isSecret && value !== "") {
      problems.push({ path: escPath(key), message: "is a credential stored in plain text; wrap it in fn::secret in the ESC environment (or `pulumi config set --secret`)" });
      continue;
    }
    if (!spec.secret && isSecret) {
      problems.push({ path: escPath(key), message: "is not a credential but is stored as a secret, which would hide every resource input it feeds in previews; store it in plain text" });
      continue;
    }
    const result = decode(spec, value);
    if ("error" in result) {
      problems.push({ path: escPath(key), message: result.error });
      continue;
    }
    if (spec.check) {
      const checked = spec.check.safeParse(result.value);
      if (!checked.success) {
        problems.push({ path: escPath(key), message: checked.error.issues.map((i) => i.message).join("; ") });
        continue;
      }
    }
    decoded.set(key as ConfigKey, result.value);
  }

  for (const key of keyNames) {
    const spec: ConfigKeySpec = CONFIG_KEYS[key];
    const fullKey = `${PROJECT}:${key}`;
    if (spec.default === undefined && !(fullKey in raw.values)) {
      problems.push({ path: escPath(key), message: `is required: ${spec.description} Set it in the stack's ESC environment under values.pulumiConfig${spec.secret ? " as fn::secret" : ""}` });
    }
  }

  const specs: Record<ConfigKey, ConfigKeySpec> = CONFIG_KEYS;
  const get = <T>(key: ConfigKey): T => (decoded.has(key) ? decoded.get(key) : specs[key].default) as T;
  const present = (key: ConfigKey): boolean => decoded.has(key) && decoded.get(key) !== "";
  const invalid = (key: ConfigKey): boolean => `${PROJECT}:${key}` in raw.values && !decoded.has(key);
  const warnings: string[] = [];

  // cleandataDbUrl wins; the legacy key is a fallback with a deprecation warning.
  let cleandataKey: "cleandataDbUrl" | "postgres_url" = "cleandataDbUrl";
  if (!present("cleandataDbUrl") && !invalid("cleandataDbUrl")) {
    if (present("postgres_url")) {
      cleandataKey = "postgres_url";
      warnings.push(`${escPath("postgres_url")} is deprecated: move the URL to ${escPath("cleandataDbUrl")} (postgres_url is used only while cleandataDbUrl is absent)`);
    } else if (!invalid("postgres_url")) {
      problems.push({ path: escPath("cleandataDbUrl"), message: "is required: the cleandata database URL (postgresql://USER:PASSWORD@HOST:5432/cleandata), as fn::secret" });
    }
  } else if (present("postgres_url")) {
    warnings.push(`${escPath("postgres_url")} is ignored because ${escPath("cleandataDbUrl")} is set; remove the deprecated key`);
  }

  const labelStudioUrl = decoded.get("labelStudioDbUrl") as string | undefined;
  const cleandataUrl = decoded.get(cleandataKey) as string | undefined;
  const labelStudioDb = labelStudioUrl ? parsePostgresUrl(labelStudioUrl) : undefined;
  const cleandataDb = cleandataUrl ? parsePostgresUrl(cleandataUrl) : undefined;
  // Each URL is blamed for naming the other's database; only a tie with neither name is ambiguous.
  if (cleandataDb && cleandataDb.database === "labelfish") {
    problems.push({ path: escPath(cleandataKey), message: "names the labelfish database, which belongs to Label Studio; point it at the cleandata database" });
  } else if (labelStudioDb && labelStudioDb.database === "cleandata") {
    problems.push({ path: escPath("labelStudioDbUrl"), message: "names the cleandata database, which belongs to the cleandata pipeline; point it at Label Studio's own database (labelfish)" });
  } else if (cleandataDb && labelStudioDb && cleandataDb.database === labelStudioDb.database && cleandataDb.host === labelStudioDb.host) {
    problems.push({ path: escPath(cleandataKey), message: `names the same database as labelStudioDbUrl (${labelStudioDb.database} on ${labelStudioDb.host}); the two databases are isolated by design: use cleandata` });
  }
  if (cleandataDb && labelStudioDb && cleandataDb.host !== labelStudioDb.host) {
    problems.push({ path: escPath("labelStudioDbUrl"), message: `is on ${labelStudioDb.host} but the cleandata database is on ${cleandataDb.host}; egress-db-proxy forwards to one database host, so both databases must live on the same CrunchyBridge cluster` });
  }

  // Prefix rules are checked on a sample project's rendered prefixes, as every project gets them.
  const sample = { id: 1, title: "example" };
  const prefixKeys = ["aws.labelStudio.importPrefix", "aws.labelStudio.exportPrefix"] as const;
  for (const key of prefixKeys) {
    const unknown = invalid(key) ? [] : unknownPlaceholders(get<string>(key));
    if (unknown.length > 0) problems.push({ path: escPath(key), message: `has unknown placeholder(s) ${unknown.map((name) => `{${name}}`).join(", ")}; only {project} and {project_id} exist` });
  }
  if (!prefixKeys.some((key) => invalid(key) || unknownPlaceholders(get<string>(key)).length > 0)) {
    const importPrefix = renderPrefix(get<string>("aws.labelStudio.importPrefix"), sample, "import");
    const exportPrefix = renderPrefix(get<string>("aws.labelStudio.exportPrefix"), sample, "export");
    if (prefixesOverlap(importPrefix, exportPrefix)) {
      problems.push({ path: escPath("aws.labelStudio.exportPrefix"), message: `nests with importPrefix (${importPrefix} vs ${exportPrefix}): exported annotations would be imported as tasks; use separate base paths` });
    }
    for (const [key, rendered] of [["aws.labelStudio.importPrefix", importPrefix], ["aws.labelStudio.exportPrefix", exportPrefix]] as const) {
      if (prefixesOverlap(rendered, `${MEDIA_FOLDER}/`)) {
        problems.push({ path: escPath(key), message: `nests with ${MEDIA_FOLDER}/, where Label Studio keeps the files uploaded through it (${rendered}): they would be synced or overwritten as storage objects; use another base path` });
      }
    }
    // An invalid importRegex reads as the default, which never matches the marker.
    const regexProblem = importRegexProblem(get<string>("aws.labelStudio.importRegex"), importPrefix);
    if (regexProblem) problems.push({ path: escPath("aws.labelStudio.importRegex"), message: regexProblem });
  }

  if (get<string>("egress.dbProxy.mode") === "ssh-tunnel") {
    for (const key of ["tethys.host", "tethys.user", "tethys.privateKey", "tethys.knownHosts"] as const) {
      if (!present(key) && !invalid(key)) problems.push({ path: escPath(key), message: `is required when egress.dbProxy.mode is ssh-tunnel: ${CONFIG_KEYS[key].description}` });
    }
  }
  if (get<boolean>("labelStudio.provisioner.enabled") && !present("labelStudio.provisioner.image")) {
    problems.push({ path: escPath("labelStudio.provisioner.image"), message: "is required when labelStudio.provisioner.enabled is true: a pinned image built from src/labelStudioStorage/Dockerfile" });
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const secret = (key: ConfigKey): Secret => pulumi.secret(get<string>(key));
  const connection = (parts: PostgresUrlParts, url: string): PostgresConnection => ({
    host: parts.host,
    port: parts.port,
    database: parts.database,
    user: parts.user,
    sslmode: parts.sslmode,
    password: pulumi.secret(parts.password),
    url: pulumi.secret(url),
  });
  const hostname = get<string>("labelStudio.hostname");
  const endpoint = get<string>("aws.labelStudio.endpoint");

  const config: OceanidConfig = {
    project: raw.project,
    stack: raw.stack,
    kubeconfig: secret("kubeconfig"),
    uploads: {
      bucketName: get("aws.labelStudio.bucketName"),
      region: get("aws.labelStudio.region"),
      ...(endpoint ? { endpoint } : {}),
      accessKeyId: secret("aws.labelStudio.accessKeyId"),
      secretAccessKey: secret("aws.labelStudio.secretAccessKey"),
      importPrefix: get("aws.labelStudio.importPrefix"),
      exportPrefix: get("aws.labelStudio.exportPrefix"),
      importRegex: get("aws.labelStudio.importRegex"),
      importTitle: get("aws.labelStudio.importTitle"),
      exportTitle: get("aws.labelStudio.exportTitle"),
      lifecycle: {
        abortIncompleteUploadDays: get("aws.labelStudio.lifecycle.abortIncompleteUploadDays"),
        importNoncurrentDays: get("aws.labelStudio.lifecycle.importNoncurrentDays"),
        exportNoncurrentDays: get("aws.labelStudio.lifecycle.exportNoncurrentDays"),
      },
    },
    labelStudio: {
      hostname,
      origin: `https://${hostname}`,
      namespace: get("labelStudio.namespace"),
      ingressClassName: get("labelStudio.ingressClassName"),
      tlsClusterIssuer: get("labelStudio.tlsClusterIssuer"),
      apiToken: secret("labelStudio.apiToken"),
      database: connection(labelStudioDb!, labelStudioUrl!),
      projects: get("labelStudio.projects"),
      provisioner: {
        enabled: get("labelStudio.provisioner.enabled"),
        schedule: get("labelStudio.provisioner.schedule"),
        image: get("labelStudio.provisioner.image"),
      },
    },
    cleandata: { database: connection(cleandataDb!, cleandataUrl!), sourceKey: cleandataKey, runMigrationsOnUp: get("migrations.runOnUp") },
    huggingFace: { token: secret("hfAccessToken"), datasetRepo: get("hfDatasetRepo") },
    crunchyBridge: { apiKey: secret("crunchyBridge.apiKey"), networkId: get("crunchyBridge.networkId"), pruneStaleRules: get("crunchyBridge.pruneStaleRules") },
    egress: {
      nodeName: get("egress.nodeName"),
      publicIp: get("egress.publicIp"),
      podCidr: get("egress.podCidr"),
      serviceCidr: get("egress.serviceCidr"),
      squidImage: get("egress.squidImage"),
      dbProxy: { mode: get("egress.dbProxy.mode"), sshImage: get("egress.dbProxy.sshImage"), forwarderImage: get("egress.dbProxy.forwarderImage") },
      tethys: { host: get("tethys.host"), port: get("tethys.port"), user: get("tethys.user"), privateKey: secret("tethys.privateKey"), knownHosts: get("tethys.knownHosts") },
    },
  };
  return { config: deepFreeze(config), warnings };
}

/** Reads the stack's config from the Pulumi runtime (engine or mocks), parses it once, logs warnings. */
export function loadConfig(): OceanidConfig {
  const values = pulumi.runtime.allConfig();
  // isConfigSecret is exported by the SDK's runtime but missing from its typings.
  const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
  const secretKeys = new Set(Object.keys(values).filter((k) => isConfigSecret(k)));
  const { config, warnings } = parseConfig({ project: pulumi.getProject(), stack: pulumi.getStack(), values, secretKeys });
  for (const warning of warnings) void pulumi.log.warn(warning);
  return config;
}

function decode(spec: ConfigKeySpec, value: string): { value: unknown } | { error: string } {
  switch (spec.type) {
    case "string":
      return { value };
    case "integer":
      return /^-?\d+$/.test(value.trim()) ? { value: Number(value) } : { error: "must be a whole number" };
    case "boolean":
      return value === "true" || value === "false" ? { value: value === "true" } : { error: "must be true or false" };
    case "array": {
      try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return { value: parsed };
      } catch {
        // reported below
      }
      return { error: "must be a list (a YAML sequence in the ESC environment)" };
    }
  }
}

function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const best = closest(key, candidates as string[]);
  return distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function deepFreeze<T>(value: T): T {
  // The SDK's Outputs are its own objects, not walked into (Object.isFrozen covers primitives and null).
  // Stryker disable next-line ConditionalExpression: freezing a pulumi.secret Output changes nothing observable (the SDK writes to one only while constructing it)
  if (pulumi.Output.isInstance(value)) return value;
  if (!Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
