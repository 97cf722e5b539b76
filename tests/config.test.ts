import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig, parseConfig, PROJECT, type RawConfig } from "../src/config";
import { projectConfigSchema } from "../src/plan/projectSchema";
import { resolveStackConfig } from "../src/plan/stackConfig";

const root = path.resolve(__dirname, "..");
const prod = (): RawConfig => resolveStackConfig({ root, stack: "prod" });
const k = (key: string) => `${PROJECT}:${key}`;

function withChanges(changes: Record<string, string | null>, secret: string[] = [], plain: string[] = []): RawConfig {
  const raw = prod();
  const values = { ...raw.values };
  const secretKeys = new Set(raw.secretKeys);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete values[key];
    else values[key] = value;
  }
  for (const key of secret) secretKeys.add(key);
  for (const key of plain) secretKeys.delete(key);
  return { ...raw, values, secretKeys };
}

function problemsOf(raw: RawConfig): ConfigError["problems"] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const unwrap = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

describe("parseConfig on the example environments", () => {
  it("parses prod into typed values, keeping credentials secret", async () => {
    const { config, warnings } = parseConfig(prod());
    expect(warnings).toEqual([]);
    expect(config.uploads.bucketName).toBe("labelstudio-goldfish-uploads");
    expect(config.labelStudio.origin).toBe("https://label.boathou.se");
    expect(config.labelStudio.database).toMatchObject({ host: "p.example-cluster-not-real.db.postgresbridge.com", port: 5432, database: "labelfish", user: "labelfish_owner", sslmode: "require" });
    expect(await unwrap(config.labelStudio.database.password)).toBe("example@pass");
    const secrets = {
      kubeconfig: config.kubeconfig,
      "uploads.accessKeyId": config.uploads.accessKeyId,
      "uploads.secretAccessKey": config.uploads.secretAccessKey,
      "labelStudio.apiToken": config.labelStudio.apiToken,
      "labelStudio.database.password": config.labelStudio.database.password,
      "labelStudio.database.url": config.labelStudio.database.url,
      "cleandata.database.password": config.cleandata.database.password,
      "cleandata.database.url": config.cleandata.database.url,
      "huggingFace.token": config.huggingFace.token,
      "crunchyBridge.apiKey": config.crunchyBridge.apiKey,
      "egress.tethys.privateKey": config.egress.tethys.privateKey,
    };
    for (const [field, value] of Object.entries(secrets)) expect([field, pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))]).toEqual([field, true]);
    expect(config.cleandata.sourceKey).toBe("cleandataDbUrl");
    expect(Object.isFrozen(config.uploads.lifecycle)).toBe(true);
  });

  it("accepts the deprecated postgres_url only when cleandataDbUrl is absent, with a warning", () => {
    const legacy = prod().values[k("cleandataDbUrl")].replace("/cleandata?", "/postgres?");
    const { config, warnings } = parseConfig(withChanges({ [k("cleandataDbUrl")]: null, [k("postgres_url")]: legacy }, [k("postgres_url")]));
    expect(config.cleandata.sourceKey).toBe("postgres_url");
    expect(config.cleandata.database.database).toBe("postgres");
    expect(warnings).toEqual([
      "pulumiConfig.oceanid-cluster:postgres_url is deprecated: move the URL to pulumiConfig.oceanid-cluster:cleandataDbUrl (postgres_url is used only while cleandataDbUrl is absent)",
    ]);

    const both = parseConfig(withChanges({ [k("postgres_url")]: legacy }, [k("postgres_url")]));
    expect(both.config.cleandata.database.database).toBe("cleandata");
    expect(both.warnings).toEqual(["pulumiConfig.oceanid-cluster:postgres_url is ignored because pulumiConfig.oceanid-cluster:cleandataDbUrl is set; remove the deprecated key"]);
  });

  it("blames only the deprecated postgres_url when it is the sole cleandata URL and it is invalid", () => {
    const problems = problemsOf(withChanges({ [k("cleandataDbUrl")]: null, [k("postgres_url")]: "mysql://u:pw@h/cleandata" }, [k("postgres_url")]));
    expect(problems.map((p) => p.path)).toEqual([`pulumiConfig.${k("postgres_url")}`]);
  });

  it("hands every key to its typed field, non-default values included", async () => {
    const { config } = parseConfig(
      withChanges({
        [k("aws.labelStudio.endpoint")]: "http://minio.storage:9000",
        [k("aws.labelStudio.lifecycle.abortIncompleteUploadDays")]: "3",
        [k("aws.labelStudio.lifecycle.importNoncurrentDays")]: "14",
        // Surrounding blanks, as a YAML block scalar leaves them, do not make a number invalid.
        [k("aws.labelStudio.lifecycle.exportNoncurrentDays")]: "120\n",
        [k("labelStudio.provisioner.enabled")]: "true",
        [k("labelStudio.provisioner.schedule")]: "0 * * * *",
        [k("labelStudio.provisioner.image")]: "registry.local:5000/oceanid/provisioner:1.4.0",
        [k("labelStudio.projects")]: '[7, "Fish species"]',
        [k("egress.dbProxy.mode")]: "tcp-forward",
        [k("egress.dbProxy.forwarderImage")]: "alpine/socat:1.8.0.1",
      }),
    );
    expect(config.uploads.endpoint).toBe("http://minio.storage:9000");
    expect(config.uploads.lifecycle).toEqual({ abortIncompleteUploadDays: 3, importNoncurrentDays: 14, exportNoncurrentDays: 120 });
    expect(config.labelStudio.provisioner).toEqual({ enabled: true, schedule: "0 * * * *", image: "registry.local:5000/oceanid/provisioner:1.4.0" });
    expect(config.labelStudio.projects).toEqual([7, "Fish species"]);
    expect(config.egress.dbProxy).toEqual({ mode: "tcp-forward", sshImage: "jnovack/autossh:2.0.1", forwarderImage: "alpine/socat:1.8.0.1" });
    expect(Object.isFrozen(config.labelStudio.projects)).toBe(true);
    expect("endpoint" in parseConfig(prod()).config.uploads).toBe(false);
  });

  it("gives each project its own import and export folder under one shared base prefix", () => {
    const { config } = parseConfig(withChanges({ [k("aws.labelStudio.importPrefix")]: "data", [k("aws.labelStudio.exportPrefix")]: "data" }));
    expect([config.uploads.importPrefix, config.uploads.exportPrefix]).toEqual(["data", "data"]);
  });

  it("accepts DNS names with one-character labels and up to 253 characters, no longer", () => {
    const label = (n: number) => "a".repeat(n);
    const longest = [label(63), label(63), label(63), label(61)].join(".");
    expect(longest).toHaveLength(253);
    expect(parseConfig(withChanges({ [k("labelStudio.hostname")]: "l.x.example.com", [k("egress.nodeName")]: longest })).config.labelStudio.hostname).toBe("l.x.example.com");
    const problems = problemsOf(withChanges({ [k("egress.nodeName")]: `${longest}a` }));
    expect(problems).toEqual([{ path: `pulumiConfig.${k("egress.nodeName")}`, message: "must be a lower-case DNS name without scheme or path, e.g. label.example.com" }]);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(withChanges({ [k("aws.labelStudio.bucketName")]: "Bad_Bucket", [k("egress.publicIp")]: "nope", [k("hfDatasetRepo")]: null }));
    expect(problems.map((p) => p.path).sort()).toEqual(
      ["pulumiConfig.oceanid-cluster:aws.labelStudio.bucketName", "pulumiConfig.oceanid-cluster:egress.publicIp", "pulumiConfig.oceanid-cluster:hfDatasetRepo"].sort(),
    );
  });

  it("carries no credential's value in any plain field of the typed config", () => {
    const raw = prod();
    const credentials = [...raw.secretKeys].map((key) => raw.values[key]).filter((value) => value.length >= 6);
    expect(credentials.length).toBeGreaterThanOrEqual(8);
    const plain: string[] = [];
    const walk = (value: unknown): void => {
      if (pulumi.Output.isInstance(value)) return;
      if (typeof value === "string") plain.push(value);
      else if (value && typeof value === "object") for (const child of Object.values(value)) walk(child);
    };
    walk(parseConfig(raw).config);
    expect(plain.filter((text) => credentials.some((secret) => text.includes(secret)))).toEqual([]);
  });

  it("accepts a credential left as a plaintext \"\" (the project default Pulumi fills in), and only that", () => {
    const unset = withChanges({ [k("postgres_url")]: "", [k("tethys.privateKey")]: "", [k("egress.dbProxy.mode")]: "tcp-forward" }, [], [k("postgres_url"), k("tethys.privateKey")]);
    expect(() => parseConfig(unset)).not.toThrow();
    const problems = problemsOf(withChanges({ [k("postgres_url")]: " " }, [], [k("postgres_url")]));
    expect(problems.map((p) => p.path)).toContain("pulumiConfig.oceanid-cluster:postgres_url");
  });

  it("never quotes a secret value in an error", () => {
    const secretUrl = "postgresql://u:SuperSecretPw@p.example-cluster-not-real.db.postgresbridge.com:5432/labelfish";
    const problems = problemsOf(withChanges({ [k("cleandataDbUrl")]: secretUrl, [k("hfAccessToken")]: "hf_SuperSecretPw!" }));
    expect(problems.map((p) => p.path)).toEqual([`pulumiConfig.${k("hfAccessToken")}`, `pulumiConfig.${k("cleandataDbUrl")}`]);
    expect(JSON.stringify(problems)).not.toContain("SuperSecretPw");
  });
});

// Each bad config names exactly one key; the expected path is asserted exactly.
const corpus: Array<{ name: string; changes: Record<string, string | null>; secret?: string[]; plain?: string[]; path: string; message: RegExp }> = [
  { name: "missing bucket", changes: { [k("aws.labelStudio.bucketName")]: null }, path: "oceanid-cluster:aws.labelStudio.bucketName", message: /is required/ },
  { name: "invalid bucket name", changes: { [k("aws.labelStudio.bucketName")]: "Uploads_Bucket" }, path: "oceanid-cluster:aws.labelStudio.bucketName", message: /valid S3 bucket name/ },
  { name: "missing region", changes: { [k("aws.labelStudio.region")]: null }, path: "oceanid-cluster:aws.labelStudio.region", message: /is required/ },
  { name: "region with a typo", changes: { [k("aws.labelStudio.region")]: "us east 1" }, path: "oceanid-cluster:aws.labelStudio.region", message: /us-east-1/ },
  { name: "endpoint without scheme", changes: { [k("aws.labelStudio.endpoint")]: "minio.local:9000" }, path: "oceanid-cluster:aws.labelStudio.endpoint", message: /http\(s\)/ },
  { name: "plaintext access key", changes: { [k("aws.labelStudio.accessKeyId")]: "plain-key-id" }, plain: [k("aws.labelStudio.accessKeyId")], path: "oceanid-cluster:aws.labelStudio.accessKeyId", message: /fn::secret/ },
  { name: "prefix with leading slash", changes: { [k("aws.labelStudio.importPrefix")]: "/raw" }, path: "oceanid-cluster:aws.labelStudio.importPrefix", message: /leading slash/ },
  { name: "prefix with a misspelled placeholder", changes: { [k("aws.labelStudio.importPrefix")]: "raw/{projct}" }, path: "oceanid-cluster:aws.labelStudio.importPrefix", message: /unknown placeholder.*projct/ },
  { name: "prefix with two unknown placeholders", changes: { [k("aws.labelStudio.exportPrefix")]: "out/{projct}/{id}" }, path: "oceanid-cluster:aws.labelStudio.exportPrefix", message: /^has unknown placeholder\(s\) \{projct\}, \{id\}; only \{project\} and \{project_id\} exist$/ },
  { name: "prefix with a line break", changes: { [k("aws.labelStudio.importPrefix")]: "raw-uploads\n" }, path: "oceanid-cluster:aws.labelStudio.importPrefix", message: /^must be a relative S3 key prefix on one line, without a leading slash, e.g. raw-uploads$/ },
  {
    name: "export prefix nested in the import prefix",
    changes: { [k("aws.labelStudio.exportPrefix")]: "raw-uploads/example-1/import/out" },
    path: "oceanid-cluster:aws.labelStudio.exportPrefix",
    message: /^nests with importPrefix \(raw-uploads\/example-1\/import\/ vs raw-uploads\/example-1\/import\/out\/example-1\/export\/\): exported annotations would be imported as tasks; use separate base paths$/,
  },
  { name: "import regex that matches the prefix marker", changes: { [k("aws.labelStudio.importRegex")]: ".*" }, path: "oceanid-cluster:aws.labelStudio.importRegex", message: /matches the marker object/ },
  { name: "project listed twice", changes: { [k("labelStudio.projects")]: '[3, "3"]' }, path: "oceanid-cluster:labelStudio.projects", message: /twice/ },
  { name: "lifecycle days not a number", changes: { [k("aws.labelStudio.lifecycle.abortIncompleteUploadDays")]: "seven" }, path: "oceanid-cluster:aws.labelStudio.lifecycle.abortIncompleteUploadDays", message: /whole number/ },
  { name: "lifecycle days zero", changes: { [k("aws.labelStudio.lifecycle.importNoncurrentDays")]: "0" }, path: "oceanid-cluster:aws.labelStudio.lifecycle.importNoncurrentDays", message: /at least 1/ },
  { name: "lifecycle days over ten years", changes: { [k("aws.labelStudio.lifecycle.exportNoncurrentDays")]: "3651" }, path: "oceanid-cluster:aws.labelStudio.lifecycle.exportNoncurrentDays", message: /^must be at most 3650 days$/ },
  { name: "timeout with a digit separator", changes: { [k("crunchyBridge.requestTimeoutMs")]: "15_000" }, path: "oceanid-cluster:crunchyBridge.requestTimeoutMs", message: /^must be a whole number$/ },
  { name: "timeout with a unit", changes: { [k("crunchyBridge.requestTimeoutMs")]: "15000ms" }, path: "oceanid-cluster:crunchyBridge.requestTimeoutMs", message: /^must be a whole number$/ },
  { name: "misspelled project namespace (earlier spec)", changes: { "ocean-cluster:aws.labelStudio.bucketName": "labelstudio-goldfish-uploads" }, path: "ocean-cluster:aws.labelStudio.bucketName", message: /Rename it to oceanid-cluster:aws.labelStudio.bucketName/ },
  { name: "ambient aws provider key", changes: { "aws:region": "us-east-1" }, path: "aws:region", message: /default providers are disabled/ },
  { name: "unknown key with a typo", changes: { [k("aws.labelStudio.bucketname")]: "x" }, path: "oceanid-cluster:aws.labelStudio.bucketname", message: /did you mean aws.labelStudio.bucketName/ },
  { name: "unresolved interpolation", changes: { [k("hfDatasetRepo")]: "${hf.repo}" }, path: "oceanid-cluster:hfDatasetRepo", message: /holds \$\{hf\.repo\}, which does not resolve.*ESC environment/ },
  { name: "label studio url not postgres", changes: { [k("labelStudioDbUrl")]: "mysql://u:p@h/labelfish" }, secret: [k("labelStudioDbUrl")], path: "oceanid-cluster:labelStudioDbUrl", message: /postgres/ },
  { name: "label studio url without password", changes: { [k("labelStudioDbUrl")]: "postgresql://u@p.example-cluster-not-real.db.postgresbridge.com/labelfish" }, path: "oceanid-cluster:labelStudioDbUrl", message: /missing its password/ },
  {
    name: "cleandata pointing at labelfish",
    changes: { [k("cleandataDbUrl")]: "postgresql://postgres:pw@p.example-cluster-not-real.db.postgresbridge.com:5432/labelfish" },
    path: "oceanid-cluster:cleandataDbUrl",
    message: /^names the labelfish database, which belongs to Label Studio; point it at the cleandata database$/,
  },
  { name: "label studio url pointing at cleandata", changes: { [k("labelStudioDbUrl")]: "postgresql://ls:pw@p.example-cluster-not-real.db.postgresbridge.com:5432/cleandata" }, path: "oceanid-cluster:labelStudioDbUrl", message: /names the cleandata database/ },
  {
    name: "both URLs on the same third database",
    changes: { [k("labelStudioDbUrl")]: "postgresql://ls:pw@p.example-cluster-not-real.db.postgresbridge.com:5432/shared", [k("cleandataDbUrl")]: "postgresql://u:pw@p.example-cluster-not-real.db.postgresbridge.com:5432/shared" },
    path: "oceanid-cluster:cleandataDbUrl",
    message: /isolated/,
  },
  { name: "empty required credential", changes: { [k("aws.labelStudio.accessKeyId")]: "" }, path: "oceanid-cluster:aws.labelStudio.accessKeyId", message: /is set but empty.*fn::secret/ },
  { name: "empty required plain string", changes: { [k("egress.nodeName")]: "  " }, path: "oceanid-cluster:egress.nodeName", message: /is set but empty/ },
  { name: "databases on different hosts", changes: { [k("labelStudioDbUrl")]: "postgresql://ls:pw@other.example.com:5432/labelfish" }, path: "oceanid-cluster:labelStudioDbUrl", message: /same CrunchyBridge cluster/ },
  {
    // Same name on two hosts: two databases, so only the host rule applies.
    name: "databases of one name on different hosts",
    changes: { [k("labelStudioDbUrl")]: "postgresql://ls:pw@other.example.com:5432/shared", [k("cleandataDbUrl")]: "postgresql://u:pw@p.example-cluster-not-real.db.postgresbridge.com:5432/shared" },
    path: "oceanid-cluster:labelStudioDbUrl",
    message: /^is on other\.example\.com but the cleandata database is on p\.example-cluster-not-real\.db\.postgresbridge\.com; egress-db-proxy forwards to one database host, so both databases must live on the same CrunchyBridge cluster$/,
  },
  { name: "no cleandata URL at all", changes: { [k("cleandataDbUrl")]: null }, path: "oceanid-cluster:cleandataDbUrl", message: /is required/ },
  { name: "bad sslmode", changes: { [k("cleandataDbUrl")]: "postgresql://u:p@p.example-cluster-not-real.db.postgresbridge.com/cleandata?sslmode=sometimes" }, path: "oceanid-cluster:cleandataDbUrl", message: /sslmode/ },
  { name: "hugging face repo without owner", changes: { [k("hfDatasetRepo")]: "annotations" }, path: "oceanid-cluster:hfDatasetRepo", message: /owner\/name/ },
  { name: "hugging face token of another kind", changes: { [k("hfAccessToken")]: "ghp_abcdefghijklmnopqrstuvwxyz" }, path: "oceanid-cluster:hfAccessToken", message: /Hugging Face token/ },
  { name: "hostname with scheme", changes: { [k("labelStudio.hostname")]: "https://label.boathou.se" }, path: "oceanid-cluster:labelStudio.hostname", message: /without scheme/ },
  { name: "chart version not the vendored one", changes: { [k("labelStudio.chartVersion")]: "2.0.6" }, path: "oceanid-cluster:labelStudio.chartVersion", message: /exact chart version/ },
  { name: "import prefix inside Label Studio's media folder", changes: { [k("aws.labelStudio.importPrefix")]: "label-studio-media/imports" }, path: "oceanid-cluster:aws.labelStudio.importPrefix", message: /nests with label-studio-media\// },
  { name: "export prefix in Label Studio's media folder", changes: { [k("aws.labelStudio.exportPrefix")]: "label-studio-media" }, path: "oceanid-cluster:aws.labelStudio.exportPrefix", message: /nests with label-studio-media\// },
  { name: "projects not a list", changes: { [k("labelStudio.projects")]: "12" }, path: "oceanid-cluster:labelStudio.projects", message: /^must be a list \(a YAML sequence in the ESC environment\)$/ },
  { name: "projects not JSON", changes: { [k("labelStudio.projects")]: "[fish" }, path: "oceanid-cluster:labelStudio.projects", message: /^must be a list \(a YAML sequence in the ESC environment\)$/ },
  {
    name: "projects with a zero id and an empty title",
    changes: { [k("labelStudio.projects")]: '[0, ""]' },
    path: "oceanid-cluster:labelStudio.projects",
    message: /^a project id must be a positive whole number; a project title must not be empty$/,
  },
  { name: "provisioner enabled without image", changes: { [k("labelStudio.provisioner.enabled")]: "true" }, path: "oceanid-cluster:labelStudio.provisioner.image", message: /required when labelStudio.provisioner.enabled/ },
  { name: "provisioner flag not boolean", changes: { [k("labelStudio.provisioner.enabled")]: "yes" }, path: "oceanid-cluster:labelStudio.provisioner.enabled", message: /true or false/ },
  { name: "network id of the wrong shape", changes: { [k("crunchyBridge.networkId")]: "ebisu-network" }, path: "oceanid-cluster:crunchyBridge.networkId", message: /CrunchyBridge id/ },
  { name: "egress IP not an address", changes: { [k("egress.publicIp")]: "157.173.210" }, path: "oceanid-cluster:egress.publicIp", message: /IPv4/ },
  { name: "pod CIDR invalid", changes: { [k("egress.podCidr")]: "10.42.0.0/33" }, path: "oceanid-cluster:egress.podCidr", message: /CIDR/ },
  { name: "unpinned squid image", changes: { [k("egress.squidImage")]: "ubuntu/squid:latest" }, path: "oceanid-cluster:egress.squidImage", message: /pinned/ },
  ...["ubuntu/squid", "registry.local:5000/ubuntu/squid", "ubuntu/squid:latest"].map((image) => ({
    name: `image without a pinned tag or digest (${image})`,
    changes: { [k("egress.squidImage")]: image },
    path: "oceanid-cluster:egress.squidImage",
    message: /^must be pinned to an exact tag or a digest \(not :latest\), so a restart never pulls a different image$/,
  })),
  ...["docker pull ubuntu/squid:6.10", "ubuntu/squid:6.10 beta", "ubuntu/squid@sha256:f", "ubuntu/squid:6.10@sha256:ABC"].map((image) => ({
    name: `malformed image reference (${image})`,
    changes: { [k("egress.dbProxy.sshImage")]: image },
    path: "oceanid-cluster:egress.dbProxy.sshImage",
    message: /^must be an image reference: \[registry\[:port\]\/\]name\[:tag\]\[@sha256:<64 hex digits>\], e\.g\. ubuntu\/squid:6\.10-24\.10_beta$/,
  })),
  { name: "unknown proxy mode", changes: { [k("egress.dbProxy.mode")]: "vpn" }, path: "oceanid-cluster:egress.dbProxy.mode", message: /ssh-tunnel or tcp-forward/ },
  { name: "ssh tunnel without known_hosts", changes: { [k("tethys.knownHosts")]: null }, path: "oceanid-cluster:tethys.knownHosts", message: /required when egress.dbProxy.mode is ssh-tunnel/ },
  { name: "plaintext ssh key", changes: { [k("tethys.privateKey")]: "plain-key" }, plain: [k("tethys.privateKey")], path: "oceanid-cluster:tethys.privateKey", message: /credential stored in plain text/ },
  { name: "tethys port out of range", changes: { [k("tethys.port")]: "70000" }, path: "oceanid-cluster:tethys.port", message: /TCP port/ },
  { name: "non-credential stored as a secret", changes: {}, secret: [k("aws.labelStudio.bucketName")], path: "oceanid-cluster:aws.labelStudio.bucketName", message: /not a credential/ },
  { name: "missing kubeconfig", changes: { [k("kubeconfig")]: null }, path: "oceanid-cluster:kubeconfig", message: /is required.*fn::secret/ },
  { name: "migrations switch not boolean", changes: { [k("migrations.runOnUp")]: "sometimes" }, path: "oceanid-cluster:migrations.runOnUp", message: /true or false/ },
];

describe("bad configs", () => {
  it.each(corpus)("$name → names $path", ({ changes, secret, plain, path: expected, message }) => {
    const problems = problemsOf(withChanges(changes, secret, plain));
    expect(problems.map((p) => p.path)).toEqual([`pulumiConfig.${expected}`]);
    expect(problems[0].message).toMatch(message);
  });
});

describe("Pulumi.yaml config schema", () => {
  const { config } = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
  const declared = Object.fromEntries(Object.entries(config).filter(([key]) => !key.startsWith("pulumi:")));

  it("disables default providers for every stack", () => {
    expect(config["pulumi:disable-default-providers"]).toEqual({ value: ["aws", "kubernetes", "random"] });
  });

  it("declares exactly the keys the parser reads, with matching types, defaults and secret flags", () => {
    expect(declared).toEqual(projectConfigSchema());
  });
});

describe("pinned images", () => {
  const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
  it.each(["registry.local:5000/ubuntu/squid:6.10", `ubuntu/squid@${digest}`, `ubuntu/squid:latest@${digest}`, `localhost:5000/squid@${digest}`, "jnovack/autossh:2.0.1"])("accepts %s", (image) => {
    expect(parseConfig(withChanges({ [k("egress.squidImage")]: image })).config.egress.squidImage).toBe(image);
  });
});

describe("operator advice, word for word", () => {
  const messages = (raw: RawConfig) => problemsOf(raw).map((p) => `${p.path}: ${p.message}`);

  it("heads the error with the number of problems, then one line per problem", () => {
    const one = (() => {
      try {
        parseConfig(withChanges({ [k("hfDatasetRepo")]: null }));
      } catch (err) {
        return err as Error;
      }
    })();
    expect(one?.name).toBe("ConfigError");
    expect(one?.message).toBe(
      "Invalid stack configuration (1 problem):\n  - pulumiConfig.oceanid-cluster:hfDatasetRepo: is required: Hugging Face dataset repo, owner/name. Set it in the stack's ESC environment under values.pulumiConfig",
    );
    expect(() => parseConfig(withChanges({ [k("hfDatasetRepo")]: null, [k("egress.nodeName")]: "  " }))).toThrow(
      [
        "Invalid stack configuration (2 problems):",
        "  - pulumiConfig.oceanid-cluster:egress.nodeName: is set but empty: Node the egress gateway is pinned to; its public IP is the cluster's egress IP. Give it a value in the stack's ESC environment under values.pulumiConfig",
        "  - pulumiConfig.oceanid-cluster:hfDatasetRepo: is required: Hugging Face dataset repo, owner/name. Set it in the stack's ESC environment under values.pulumiConfig",
      ].join("\n"),
    );
    expect(new ConfigError([{ path: "a", message: "x" }, { path: "b", message: "y" }]).message).toBe("Invalid stack configuration (2 problems):\n  - a: x\n  - b: y");
  });

  it("says which provider a foreign namespace's key belongs to, and what to rename it to", () => {
    expect(messages(withChanges({ "kubernetes:kubeconfig": "apiVersion: v1" }))).toEqual([
      "pulumiConfig.kubernetes:kubeconfig: default providers are disabled; the Kubernetes provider is built from oceanid-cluster:kubeconfig. Rename it to oceanid-cluster:kubeconfig",
    ]);
    expect(messages(withChanges({ "aws:region": "us-east-1" }))).toEqual([
      "pulumiConfig.aws:region: default providers are disabled; the AWS provider is built from oceanid-cluster:aws.labelStudio.* keys. Rename it to oceanid-cluster:region (or remove it)",
    ]);
    expect(messages(withChanges({ "ocean-cluster:hfDatasetRepo": "goldfish-inc/annotations" }))).toEqual([
      "pulumiConfig.ocean-cluster:hfDatasetRepo: unknown namespace 'ocean-cluster'; project keys belong under 'oceanid-cluster:'. Rename it to oceanid-cluster:hfDatasetRepo",
    ]);
    expect(messages(withChanges({ hfDatasetRepo: "goldfish-inc/annotations" }))).toEqual([
      "pulumiConfig.hfDatasetRepo: unknown namespace ''; project keys belong under 'oceanid-cluster:'. Rename it to oceanid-cluster:hfDatasetRepo",
    ]);
  });

  it("suggests the key an unknown one was likely meant to be, and nothing for a stray key", () => {
    expect(messages(withChanges({ [k("tethys.hots")]: "tethys.example.com" }))).toEqual([
      "pulumiConfig.oceanid-cluster:tethys.hots: unknown key; did you mean tethys.host? Remove it or fix its name",
    ]);
    expect(messages(withChanges({ [k("crunchyBridge.requestTimeoutSec")]: "15" }))).toEqual([
      "pulumiConfig.oceanid-cluster:crunchyBridge.requestTimeoutSec: unknown key; did you mean crunchyBridge.requestTimeoutMs? Remove it or fix its name",
    ]);
    expect(messages(withChanges({ [k("grafanaAdminPassword")]: "x" }))).toEqual(["pulumiConfig.oceanid-cluster:grafanaAdminPassword: unknown key. Remove it or fix its name"]);
  });

  it("lists every unresolved interpolation of a value", () => {
    expect(messages(withChanges({ [k("hfDatasetRepo")]: "${hf.owner}/${hf.name}" }))).toEqual([
      "pulumiConfig.oceanid-cluster:hfDatasetRepo: holds ${hf.owner}, ${hf.name}, which does not resolve: define the value it names in the ESC environment or one of its imports (interpolation only happens inside ESC environments, never in the stack file)",
    ]);
  });
});

describe("loadConfig under the Pulumi runtime", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    pulumi.runtime.setAllConfig({}, []);
  });

  it("reads the engine's config and secret flags, returns the typed config and logs each warning", async () => {
    await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs }, PROJECT, "prod", true);
    const raw = prod();
    const legacy = raw.values[k("cleandataDbUrl")];
    const values: Record<string, string> = { ...raw.values, [k("postgres_url")]: legacy };
    delete values[k("cleandataDbUrl")];
    pulumi.runtime.setAllConfig(values, [...raw.secretKeys, k("postgres_url")]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);

    const config = loadConfig();
    expect([config.project, config.stack]).toEqual([PROJECT, "prod"]);
    expect(config.cleandata.sourceKey).toBe("postgres_url");
    expect(await pulumi.isSecret(config.kubeconfig)).toBe(true);
    expect(await unwrap(config.cleandata.database.url)).toBe(legacy);
    expect(warn.mock.calls).toEqual([[expect.stringContaining("pulumiConfig.oceanid-cluster:postgres_url is deprecated")]]);
  });
});
