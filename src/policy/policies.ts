import { asArray, asString, at, formatPath, isRecord, NotApplicable, type OceanidPolicy, type PolicyResource, type PropertyPath } from "./resource";
import {
  containerLabel,
  containers,
  FIREWALL_ALLOWLIST,
  HELM_CHARTS,
  HELM_RELEASE,
  isWorkload,
  KUBERNETES_PROVIDER,
  namespaceOf,
  NETWORK_POLICY,
  pinnedNode,
  podTemplate,
  SECRET,
  selects,
  SERVICE,
} from "./workloads";

/** Env names that carry a credential: a plain `value` under one of these is a leaked secret. */
const CREDENTIAL_ENV = /PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|DATABASE_URL|DB_URL|_DSN$|^DSN$/i;
/** Helm value keys that hold a credential, unless they only name the Secret holding it. */
const CREDENTIAL_KEY = /password|passwd|token|secret|api_?key|access_?key|private_?key|credential/i;
const SECRET_REFERENCE_KEY = /(ExistingSecret|ExistingSecretKey|SecretName|secretKeyRef)$/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:[^/@\s]+@/i;
const DATABASE_HOST_ENV = /^(PGHOST|POSTGRES_HOST|POSTGRE_HOST|DB_HOST|DATABASE_HOST)$/;
const DATABASE_URL_VALUE = /^postgres(ql)?:\/\//i;
const DATABASE_PORTS = new Set<unknown>([5432, 6432, "5432", "6432", "postgres", "postgresql"]);
/** The DJANGO_DB values that select Label Studio's Postgres backend (anything else, or none, is SQLite). */
const LABEL_STUDIO_POSTGRES_DJANGO_DB = new Set(["default", "postgresql"]);

const SECRET_MARKER = "[secret]";

/** The chart by repository name (`label-studio`), or a local copy: `./vendor/label-studio-2.0.5` or its `.tgz`. */
function isLabelStudioRelease(resource: PolicyResource): boolean {
  return HELM_CHARTS.has(resource.type) && /(^|\/)label-studio(-[\d.]+(\.tgz)?)?\/?$/.test(asString(resource.props.chart) ?? "");
}

function values(resource: PolicyResource): Record<string, unknown> {
  const found = resource.props.values;
  return isRecord(found) ? found : {};
}

/** Every string leaf under `value`, with its path. */
function* leaves(value: unknown, path: PropertyPath = []): Generator<{ path: PropertyPath; value: unknown }> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* leaves(value[i], [...path, i]);
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) yield* leaves(child, [...path, key]);
  } else {
    yield { path, value };
  }
}

function envEntries(container: Record<string, unknown>): { name: string; index: number; entry: Record<string, unknown> }[] {
  return asArray(container.env).flatMap((entry, index) => (isRecord(entry) && typeof entry.name === "string" ? [{ name: entry.name, index, entry }] : []));
}

// ---------------------------------------------------------------------------------------------
// Label Studio release

const labelStudioExternalDatabase: OceanidPolicy = {
  name: "label-studio-external-database",
  description: "Label Studio keeps annotations in the external Postgres, never the bundled subchart or a silent SQLite file.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (isLabelStudioRelease(resource)) {
      const v = values(resource);
      if (at(v, ["postgresql", "enabled"]) !== false) {
        report(
          `postgresql.enabled is ${JSON.stringify(at(v, ["postgresql", "enabled"]) ?? "unset")} (the chart's default is true): the release would run its own Postgres and keep annotations there`,
          "set values.postgresql.enabled: false and point global.pgConfig at the external database",
        );
      }
      const host = at(v, ["global", "pgConfig", "host"]);
      if (typeof host !== "string" || host.trim() === "") {
        report("global.pgConfig.host is not set: Label Studio has no external database to use", "set values.global.pgConfig.host (egress-db-proxy's in-cluster host) with dbName, userName and password.secretName/secretKey");
      }
      for (const scope of ["global", "app"]) {
        const djangoDb = at(v, [scope, "extraEnvironmentVars", "DJANGO_DB"]);
        if (djangoDb !== undefined && !LABEL_STUDIO_POSTGRES_DJANGO_DB.has(String(djangoDb))) {
          report(`${scope}.extraEnvironmentVars.DJANGO_DB is ${JSON.stringify(djangoDb)}, which selects SQLite`, `remove ${scope}.extraEnvironmentVars.DJANGO_DB (the chart sets DJANGO_DB=default, the Postgres backend)`);
        }
        if (at(v, [scope, "extraEnvironmentSecrets", "DJANGO_DB"]) !== undefined) {
          report(`${scope}.extraEnvironmentSecrets.DJANGO_DB takes the database backend from a Secret nobody reviews; any value but "default" silently selects SQLite`, `remove ${scope}.extraEnvironmentSecrets.DJANGO_DB`);
        }
      }
      return;
    }
    // A hand-written Label Studio container gets no DJANGO_DB from the chart: without one, the app
    // falls back to SQLite inside the pod and annotators' work dies with it.
    for (const c of containers(resource)) {
      if (!/(^|\/)label-studio([:@]|$)/.test(asString(c.container.image) ?? "")) continue;
      const djangoDb = envEntries(c.container).find((e) => e.name === "DJANGO_DB" || e.name === "LABEL_STUDIO_DJANGO_DB");
      const value = djangoDb?.entry.value;
      if (!djangoDb || typeof value !== "string" || !LABEL_STUDIO_POSTGRES_DJANGO_DB.has(value)) {
        report(
          `${containerLabel(resource, c)} runs Label Studio with DJANGO_DB ${djangoDb ? JSON.stringify(value ?? "from a reference") : "unset"}: Label Studio then stores everything in SQLite inside the pod`,
          "deploy Label Studio through its Helm chart (src/labelStudio), or set env DJANGO_DB=default with POSTGRE_HOST/NAME/USER/PASSWORD",
        );
      }
    }
  },
};

const labelStudioS3Persistence: OceanidPolicy = {
  name: "label-studio-s3-persistence",
  description: "Label Studio stores uploaded files in the uploads bucket, not on a pod volume.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (!isLabelStudioRelease(resource)) return;
    const persistence = at(values(resource), ["global", "persistence"]);
    const fix = "set values.global.persistence to { enabled: true, type: s3, config.s3: { bucket, region, accessKeyExistingSecret/secretKeyExistingSecret } }";
    if (at(persistence, ["enabled"]) !== true || at(persistence, ["type"]) !== "s3") {
      report(`global.persistence is ${JSON.stringify({ enabled: at(persistence, ["enabled"]) ?? null, type: at(persistence, ["type"]) ?? null })}: uploaded files would live on a volume that the next reschedule can lose`, fix);
    } else if (!asString(at(persistence, ["config", "s3", "bucket"]))) {
      report("global.persistence.config.s3.bucket is not set", fix);
    }
  },
};

const labelStudioSecretKey: OceanidPolicy = {
  name: "label-studio-secret-key-from-secret",
  description: "Label Studio's Django SECRET_KEY comes from a Kubernetes Secret.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (!isLabelStudioRelease(resource)) return;
    const v = values(resource);
    const fix = "set values.global.extraEnvironmentSecrets.SECRET_KEY: { secretName, secretKey } naming the Secret that holds it, and drop any plain SECRET_KEY";
    for (const scope of ["global", "app"]) {
      if (at(v, [scope, "extraEnvironmentVars", "SECRET_KEY"]) !== undefined) report(`${scope}.extraEnvironmentVars.SECRET_KEY puts Django's signing key in the release values in plain text`, fix);
    }
    const ref = at(v, ["global", "extraEnvironmentSecrets", "SECRET_KEY"]) ?? at(v, ["app", "extraEnvironmentSecrets", "SECRET_KEY"]);
    if (!asString(at(ref, ["secretName"])) || !asString(at(ref, ["secretKey"]))) {
      report("SECRET_KEY does not come from a Secret: without it every pod start generates a new key and logs every user out, or a shared key sits in plain text", fix);
    }
  },
};

const labelStudioNoCredentials: OceanidPolicy = {
  name: "label-studio-no-credentials-in-values",
  description: "The Label Studio release values name Secrets; they never hold a password, key or token.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (!isLabelStudioRelease(resource)) return;
    for (const leaf of leaves(values(resource), ["values"])) {
      const key = [...leaf.path].reverse().find((p): p is string => typeof p === "string") ?? "";
      const where = formatPath(leaf.path);
      const secret = resource.isSecret?.(leaf.path) === true || leaf.value === SECRET_MARKER;
      const credentialKey = CREDENTIAL_KEY.test(key) && !SECRET_REFERENCE_KEY.test(key) && !isSecretReference(at(resource.props, leaf.path.slice(0, -1)));
      if (secret || (credentialKey && typeof leaf.value === "string" && leaf.value !== "") || (typeof leaf.value === "string" && URL_WITH_PASSWORD.test(leaf.value))) {
        report(
          `${where} holds a credential${secret ? " (a secret value)" : ""}: Helm stores release values in plain text in its release Secret and Pulumi in state`,
          "put the credential in a Kubernetes Secret and reference it (pgConfig.password.secretName/secretKey, persistence.config.s3.*ExistingSecret, extraEnvironmentSecrets)",
        );
      }
    }
  },
};

/** `{ secretName, secretKey }` (the chart's reference shape) or a secretKeyRef. */
function isSecretReference(parent: unknown): boolean {
  return isRecord(parent) && (typeof parent.secretName === "string" || typeof parent.name === "string") && Object.keys(parent).every((k) => ["secretName", "secretKey", "name", "key", "optional"].includes(k));
}

// ---------------------------------------------------------------------------------------------
// Secrets

const noPlaintextCredentialEnv: OceanidPolicy = {
  name: "no-plaintext-credential-env",
  description: "Container env entries named like credentials take their value from a Secret (valueFrom.secretKeyRef), never a plain value.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    for (const c of containers(resource)) {
      for (const { name, index, entry } of envEntries(c.container)) {
        if (!CREDENTIAL_ENV.test(name) || entry.value === undefined || entry.value === "") continue;
        report(
          `${containerLabel(resource, c)} sets env ${name} (${formatPath([...c.path, "env", index])}) from a plain value: it is readable in the pod spec, kubectl describe and Pulumi state`,
          `store it in a Secret and use env: [{ name: ${name}, valueFrom: { secretKeyRef: { name, key } } }]`,
        );
      }
    }
  },
};

const kubeconfigSecret: OceanidPolicy = {
  name: "kubernetes-provider-kubeconfig-secret",
  description: "The Kubernetes provider's kubeconfig is a Pulumi secret (it carries cluster-admin credentials).",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (resource.type !== KUBERNETES_PROVIDER) return;
    if (resource.props.kubeconfig === undefined) {
      report("the provider has no kubeconfig and would fall back to the ambient ~/.kube/config or in-cluster credentials", "build the provider from the stack's secret kubeconfig config (index.ts: new Provider(..., { kubeconfig: config.kubeconfig }))");
      return;
    }
    if (!resource.isSecret) throw new NotApplicable("CrossGuard unwraps secrets before policies see them; `oceanid policy check` checks this on the plan");
    if (!resource.isSecret(["kubeconfig"])) {
      report("kubeconfig is not a secret: its client key/token would be stored in plain text in state", "mark the kubeconfig config key secret (ESC fn::secret, or `pulumi config set --secret kubeconfig`) and pass it through pulumi.secret");
    }
  },
};

const secretDataFromSecrets: OceanidPolicy = {
  name: "kubernetes-secret-data-is-secret",
  description: "A Kubernetes Secret's data/stringData is built from Pulumi secrets, so it never reaches state in plain text.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (resource.type !== SECRET) return;
    if (!resource.isSecret) throw new NotApplicable("CrossGuard unwraps secrets before policies see them; `oceanid policy check` checks this on the plan");
    for (const field of ["stringData", "data"]) {
      const data = resource.props[field];
      if (data === undefined || resource.isSecret([field])) continue;
      for (const [key, value] of isRecord(data) ? Object.entries(data) : [["", data] as const]) {
        const path = key === "" ? [field] : [field, key];
        if (value !== undefined && !resource.isSecret(path)) {
          report(`${formatPath(path)} is built from a non-secret value: it is stored in plain text in state`, "wrap the value in pulumi.secret() (or read it from secret config) before putting it in the Secret");
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Egress

function findEgressGateway(resources: readonly PolicyResource[]): PolicyResource | undefined {
  return resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && podTemplate(r)?.labels.app === "egress-gateway");
}

const egressDefaultDeny: OceanidPolicy = {
  name: "egress-default-deny",
  description: "A NetworkPolicy in the apps namespace selects every pod and denies egress except to the gateway, DNS and egress-db-proxy.",
  enforcementLevel: "mandatory",
  validateStack(resources, context, report) {
    const candidates = resources.filter((r) => r.type === NETWORK_POLICY && namespaceOf(r) === context.appsNamespace && isEmptySelector(at(r.props, ["spec", "podSelector"])));
    const denying = candidates.filter((r) => asArray(at(r.props, ["spec", "policyTypes"])).includes("Egress"));
    for (const r of denying) {
      asArray(at(r.props, ["spec", "egress"])).forEach((rule, index) => {
        if (allowsEverywhere(rule)) {
          report(r, `spec.egress[${index}] allows traffic to any address, so the policy denies nothing`, "allow only the egress gateway (3128), kube-dns (53) and egress-db-proxy (5432)");
        }
      });
    }
    if (denying.length === 0) {
      report(
        undefined,
        `no NetworkPolicy in namespace ${context.appsNamespace} selects all pods (podSelector: {}) with policyTypes [Egress]: any pod there can reach the internet and the database directly`,
        "deploy the egress gateway component (src/egress), which creates default-deny-egress in the apps namespace",
      );
    }
  },
};

function isEmptySelector(selector: unknown): boolean {
  if (!isRecord(selector)) return selector === undefined;
  const labels = selector.matchLabels;
  const expressions = selector.matchExpressions;
  return (!isRecord(labels) || Object.keys(labels).length === 0) && asArray(expressions).length === 0;
}

function isAnyAddress(cidr: unknown): boolean {
  return typeof cidr === "string" && cidr.trim().split("/")[1] === "0";
}

/** An egress rule with no `to` (every destination) or an ipBlock covering the whole internet. */
function allowsEverywhere(rule: unknown): boolean {
  const to = at(rule, ["to"]);
  if (to === undefined || asArray(to).length === 0) return true;
  return asArray(to).some((peer) => isAnyAddress(at(peer, ["ipBlock", "cidr"])) && asArray(at(peer, ["ipBlock", "except"])).length === 0);
}

const egressDatabaseRoute: OceanidPolicy = {
  name: "egress-database-route",
  description: "Workloads in the apps namespace reach databases through egress-db-proxy, or run on the egress node (the only address on the database allowlist).",
  enforcementLevel: "mandatory",
  validateStack(resources, context, report) {
    const egressNode = (() => {
      const gateway = findEgressGateway(resources);
      const template = gateway && podTemplate(gateway);
      return template && pinnedNode(template);
    })();
    const proxyHosts = new Set<string>();
    for (const service of resources.filter((r) => r.type === SERVICE && at(r.props, ["spec", "selector", "app"]) === "egress-db-proxy")) {
      const name = asString(at(service.props, ["metadata", "name"])) ?? service.name;
      const ns = namespaceOf(service);
      for (const host of [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`]) proxyHosts.add(host);
    }
    const fix = `connect through egress-db-proxy (${[...proxyHosts].at(-1) ?? "egress-db-proxy.<apps>.svc.cluster.local"}), or pin the workload to the egress node${egressNode ? ` (nodeSelector kubernetes.io/hostname: ${egressNode})` : ""}`;
    const onEgressNode = (r: PolicyResource) => {
      const template = podTemplate(r);
      return egressNode !== undefined && template !== undefined && pinnedNode(template) === egressNode;
    };
    const workloads = resources.filter((r) => isWorkload(r) && namespaceOf(r) === context.appsNamespace);

    for (const r of workloads) {
      if (onEgressNode(r)) continue;
      for (const c of containers(r)) {
        for (const { name, entry } of envEntries(c.container)) {
          const value = asString(entry.value);
          if (value === undefined || value === SECRET_MARKER) continue;
          const host = DATABASE_HOST_ENV.test(name) ? value : DATABASE_URL_VALUE.test(value) ? urlHost(value) : undefined;
          if (host !== undefined && !proxyHosts.has(host)) {
            report(r, `${containerLabel(r, c)} reaches the database at ${host} (env ${name}) from a node whose address is not on the allowlist: connections fail or the allowlist gets widened`, fix);
          }
        }
      }
    }
    for (const release of resources.filter((r) => isLabelStudioRelease(r) && namespaceOf(r) === context.appsNamespace)) {
      const host = asString(at(values(release), ["global", "pgConfig", "host"]));
      if (host !== undefined && host !== SECRET_MARKER && !proxyHosts.has(host)) {
        report(release, `global.pgConfig.host is ${host}, not egress-db-proxy: Label Studio's pods run on any node and the database only admits the egress node`, fix);
      }
    }
    // A NetworkPolicy that opens database ports to outside addresses lets selected pods go around the proxy.
    for (const np of resources.filter((r) => r.type === NETWORK_POLICY && namespaceOf(r) === context.appsNamespace)) {
      const selector = at(np.props, ["spec", "podSelector"]);
      const selected = workloads.filter((w) => selects(selector, podTemplate(w)?.labels ?? {}));
      const offNode = selected.filter((w) => !onEgressNode(w));
      if (offNode.length === 0 && selected.length > 0) continue;
      asArray(at(np.props, ["spec", "egress"])).forEach((rule, index) => {
        const ports = at(rule, ["ports"]);
        const databasePorts = ports === undefined || asArray(ports).length === 0 || asArray(ports).some((p) => DATABASE_PORTS.has(at(p, ["port"])));
        const external = at(rule, ["to"]) === undefined || asArray(at(rule, ["to"])).some((peer) => at(peer, ["ipBlock"]) !== undefined);
        if (databasePorts && external) {
          report(np, `spec.egress[${index}] lets ${offNode.length > 0 ? offNode.map((w) => w.name).join(", ") : "every pod it selects"} open database connections to outside addresses, around egress-db-proxy`, `drop the rule; ${fix}`);
        }
      });
    }
  },
};

function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

const crunchyBridgeAllowlist: OceanidPolicy = {
  name: "crunchybridge-allowlist",
  description: "The CrunchyBridge firewall allowlist holds the egress node's public IP and never the whole internet.",
  enforcementLevel: "mandatory",
  validateStack(resources, context, report) {
    const allowlists = resources.filter((r) => r.type === FIREWALL_ALLOWLIST);
    if (allowlists.length === 0) {
      report(undefined, "the stack has no CrunchyBridge firewall allowlist: nothing keeps the egress IP on it (or anything else off it)", "declare FirewallAllowlist (src/crunchyBridge) with the egress node's /32");
    }
    for (const allowlist of allowlists) {
      if (allowlist.props.allowAnyAddress === true) {
        report(allowlist, "allowAnyAddress is true: the allowlist may open the database to the whole internet", "set allowAnyAddress: false and list the egress node's /32");
      }
      const cidrs = asArray(allowlist.props.rules).map((rule) => asString(at(rule, ["cidr"]))?.trim());
      for (const cidr of cidrs.filter(isAnyAddress)) {
        report(allowlist, `rule ${cidr} admits every address on the internet to the database`, "remove the rule; the egress node's public IP (/32) is the only address the database needs");
      }
      if (context.egressPublicIp === undefined) {
        report(allowlist, "the stack config has no egress.publicIp, so nothing shows the allowlist admits the egress node", "set egress.publicIp in the stack's ESC environment");
      } else if (!cidrs.includes(`${context.egressPublicIp}/32`) && !cidrs.includes(context.egressPublicIp)) {
        report(allowlist, `the rules (${cidrs.join(", ") || "none"}) do not include the egress IP ${context.egressPublicIp}/32: egress-db-proxy and Label Studio would be locked out of the database`, `add { cidr: "${context.egressPublicIp}/32" } to the allowlist rules`);
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Helm, images, containers

const helmFixedName: OceanidPolicy = {
  name: "helm-release-fixed-name",
  description: "Helm releases have a fixed name; an auto-named release (name + random suffix) is a new release on every replace and fights over objects with the old one.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    if (resource.type !== HELM_RELEASE) return;
    const name = asString(resource.props.name);
    const fix = `set name: "${resource.name}" (or another fixed name) on the Release`;
    if (!name) report("the release has no name: the provider generates one with a random suffix", fix);
    else if (new RegExp(`^${escapeRegExp(resource.name)}-[0-9a-f]{7,8}$`).test(name)) report(`the release name ${name} carries a generated suffix`, fix);
  },
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface ImageRef {
  tag?: string;
  digest?: string;
}

function parseImage(image: string): ImageRef {
  const [withoutDigest, digest] = image.split("@");
  const lastSegment = withoutDigest!.slice(withoutDigest!.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  return { tag: colon >= 0 ? lastSegment.slice(colon + 1) : undefined, digest };
}

/** Images of workload containers, and `image` blocks ({ repository, tag }) in Helm values. */
function images(resource: PolicyResource): { where: string; image: string; ref: ImageRef }[] {
  const found = containers(resource).flatMap((c) => {
    const image = asString(c.container.image);
    return image === undefined ? [] : [{ where: containerLabel(resource, c), image, ref: parseImage(image) }];
  });
  if (HELM_CHARTS.has(resource.type)) {
    for (const leaf of leaves(values(resource), ["values"])) {
      if (leaf.path.at(-1) !== "repository" || typeof leaf.value !== "string") continue;
      const block = at(resource.props, leaf.path.slice(0, -1));
      const tag = asString(at(block, ["tag"]));
      const digest = asString(at(block, ["digest"]));
      found.push({ where: formatPath(leaf.path.slice(0, -1)), image: `${leaf.value}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`, ref: { tag: tag || undefined, digest: digest || undefined } });
    }
  }
  return found;
}

const imagePinned: OceanidPolicy = {
  name: "image-pinned",
  description: "Container images name a fixed tag or digest, never latest or no tag.",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    for (const { where, image, ref } of images(resource)) {
      if (ref.digest) continue;
      if (ref.tag === undefined || ref.tag === "latest") {
        report(`${where} uses image ${image}${ref.tag ? "" : " (no tag means latest)"}: every pull may run different code`, `pin a released tag (e.g. ${image.replace(/:latest$/, "")}:1.2.3) or a digest (@sha256:...)`);
      }
    }
  },
};

const imageDigest: OceanidPolicy = {
  name: "image-digest",
  description: "Container images are pinned by digest (a tag can be re-pushed).",
  enforcementLevel: "advisory",
  validateResource(resource, _context, report) {
    for (const { where, image, ref } of images(resource)) {
      if (!ref.digest) report(`${where} uses image ${image} by tag: the registry can move the tag under it`, `pin the digest: ${image}@sha256:<digest of the tested image>`);
    }
  },
};

const REQUIRED_RESOURCES = [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]];

const containerResources: OceanidPolicy = {
  name: "container-resources",
  description: "Every container requests CPU and memory and has a memory limit (memory cannot be throttled, only OOM-killed; a CPU limit is optional since the request already guarantees a share).",
  enforcementLevel: "mandatory",
  validateResource(resource, _context, report) {
    for (const c of containers(resource)) {
      const missing = REQUIRED_RESOURCES.filter((path) => at(c.container, ["resources", ...path]) === undefined).map((path) => path.join("."));
      if (missing.length > 0) {
        report(`${containerLabel(resource, c)} has no resources ${missing.join(", ")}: it can starve the node's other pods (the egress node runs the gateway and the database proxy)`, "set resources.requests.cpu, resources.requests.memory and resources.limits.memory");
      }
    }
  },
};

const containerNonRoot: OceanidPolicy = {
  name: "container-non-root",
  description: "Containers run as a non-root user.",
  enforcementLevel: "advisory",
  validateResource(resource, _context, report) {
    const template = podTemplate(resource);
    if (!template) return;
    const podNonRoot = at(template.spec, ["securityContext", "runAsNonRoot"]) === true || Number(at(template.spec, ["securityContext", "runAsUser"])) > 0;
    for (const c of containers(resource)) {
      const own = at(c.container, ["securityContext", "runAsNonRoot"]);
      const user = at(c.container, ["securityContext", "runAsUser"]);
      const nonRoot = own === true || (typeof user === "number" && user > 0) || (own === undefined && user === undefined && podNonRoot);
      if (!nonRoot) report(`${containerLabel(resource, c)} may run as root`, "set securityContext.runAsNonRoot: true (and runAsUser to the image's unprivileged uid)");
    }
  },
};

const containerReadOnlyRoot: OceanidPolicy = {
  name: "container-read-only-root",
  description: "Containers mount their root filesystem read-only.",
  enforcementLevel: "advisory",
  validateResource(resource, _context, report) {
    for (const c of containers(resource)) {
      if (at(c.container, ["securityContext", "readOnlyRootFilesystem"]) !== true) {
        report(`${containerLabel(resource, c)} has a writable root filesystem`, "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write");
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Uploads bucket

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function buckets(resources: readonly PolicyResource[]): { resource: PolicyResource; bucket: string }[] {
  return resources.flatMap((r) => {
    const bucket = (r.type === BUCKET || r.type === BUCKET_V2) && asString(r.props.bucket);
    return bucket ? [{ resource: r, bucket }] : [];
  });
}

/** An S3-compatible endpoint (MinIO): the public access block is an AWS-only API there. */
function customS3Endpoint(resource: PolicyResource): boolean {
  const endpoints = resource.provider?.props.endpoints;
  const parsed = typeof endpoints === "string" ? safeJson(endpoints) : endpoints;
  return asArray(parsed).some((e) => asString(at(e, ["s3"])) !== undefined);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const uploadsPublicAccessBlocked: OceanidPolicy = {
  name: "uploads-public-access-blocked",
  description: "Every S3 bucket on AWS has a public access block with all four settings on.",
  enforcementLevel: "mandatory",
  validateStack(resources, _context, report) {
    for (const { resource, bucket } of buckets(resources)) {
      if (customS3Endpoint(resource)) continue;
      const blocks = resources.filter((r) => r.type === PUBLIC_ACCESS_BLOCK && r.props.bucket === bucket);
      const complete = blocks.some((b) => PUBLIC_ACCESS_FLAGS.every((flag) => b.props[flag] === true));
      if (!complete) {
        const off = blocks.length === 0 ? "no BucketPublicAccessBlock" : `a BucketPublicAccessBlock with ${PUBLIC_ACCESS_FLAGS.filter((f) => blocks.every((b) => b.props[f] !== true)).join(", ")} off`;
        report(resource, `bucket ${bucket} has ${off}: an ACL or bucket policy can expose annotators' uploads to the internet`, `add a BucketPublicAccessBlock for ${bucket} with ${PUBLIC_ACCESS_FLAGS.join(", ")} all true`);
      }
    }
  },
};

const uploadsTlsOnly: OceanidPolicy = {
  name: "uploads-tls-only",
  description: "Every S3 bucket's policy denies requests not made over TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack(resources, _context, report) {
    for (const { resource, bucket } of buckets(resources)) {
      const policies = resources.filter((r) => r.type === BUCKET_POLICY && r.props.bucket === bucket);
      if (!policies.some((p) => deniesInsecureTransport(p.props.policy, bucket))) {
        report(resource, `bucket ${bucket} has no policy denying requests over plain HTTP: credentials and uploads can cross the network unencrypted`, `add a BucketPolicy statement { Effect: Deny, Principal: "*", Action: "s3:*", Resource: [arn:aws:s3:::${bucket}, arn:aws:s3:::${bucket}/*], Condition: { Bool: { "aws:SecureTransport": "false" } } }`);
      }
    }
  },
};

function deniesInsecureTransport(policy: unknown, bucket: string): boolean {
  const doc = typeof policy === "string" ? safeJson(policy) : policy;
  const statements = asArray(at(doc, ["Statement"])).concat(isRecord(at(doc, ["Statement"])) ? [at(doc, ["Statement"])] : []);
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  return statements.some((s) => {
    const principal = at(s, ["Principal"]);
    const condition = at(s, ["Condition", "Bool", "aws:SecureTransport"]);
    const actions = list(at(s, ["Action"]));
    const targets = list(at(s, ["Resource"]));
    return (
      at(s, ["Effect"]) === "Deny" &&
      (principal === "*" || list(at(principal, ["AWS"])).includes("*")) &&
      (actions.includes("s3:*") || actions.includes("*")) &&
      (condition === "false" || condition === false) &&
      targets.includes(`arn:aws:s3:::${bucket}`) &&
      targets.includes(`arn:aws:s3:::${bucket}/*`)
    );
  });
}

/** The pack's policies, in the order they are reported. */
export const POLICIES: readonly OceanidPolicy[] = [
  labelStudioExternalDatabase,
  labelStudioS3Persistence,
  labelStudioSecretKey,
  labelStudioNoCredentials,
  noPlaintextCredentialEnv,
  kubeconfigSecret,
  secretDataFromSecrets,
  egressDefaultDeny,
  egressDatabaseRoute,
  crunchyBridgeAllowlist,
  helmFixedName,
  imagePinned,
  imageDigest,
  containerResources,
  containerNonRoot,
  containerReadOnlyRoot,
  uploadsPublicAccessBlocked,
  uploadsTlsOnly,
];
