import type * as pulumi from "@pulumi/pulumi";
import { LabelStudioClient } from "./client";
import { CREDENTIAL_ENV } from "./defaults";
import { isLabelStudioApiError } from "./errors";
import { REQUEST_BUDGET_CONFIG_KEY, secondsToMs } from "../http/retry";
import { s3MarkerWriter } from "./marker";
import { desiredFields, findOwnStorage, sameValue } from "./plan";
import { projectIdOf, reconcileProject, resolveProject, settingsError, settingsProblems, type ProjectResult } from "./reconcile";
import { slugify } from "./slug";
import type { S3Credentials, StorageSettings } from "./types";
import { UNKNOWN } from "../dynamicProviders/unknown";

/** Bump to re-run every resource's reconcile after a change to this provider's code. */
export const PROVIDER_VERSION = "1";

export interface ProjectStorageInputs extends StorageSettings {
  version: string;
  labelStudioUrl: string;
  /** Project id, or its exact title. */
  project: number | string;
}

export interface ProjectStorageOutputs extends ProjectStorageInputs {
  projectId: number;
  slug: string;
  /** null after a refresh found the storage deleted: the next update creates it again. */
  importStorageId: number | null;
  importStoragePrefix: string;
  exportStorageId: number | null;
  exportStoragePrefix: string;
}

const INPUT_KEYS = ["version", "labelStudioUrl", "project", "bucket", "region", "endpoint", "importPrefix", "exportPrefix", "importRegex", "importTitle", "exportTitle"] as const;


/** Stack config keys (project namespace) read by `configure`; environment variables as fallback. */
const CREDENTIAL_SOURCES = {
  token: { config: "labelStudio.apiToken", env: CREDENTIAL_ENV.token },
  accessKeyId: { config: "aws.labelStudio.accessKeyId", env: CREDENTIAL_ENV.accessKeyId },
  secretAccessKey: { config: "aws.labelStudio.secretAccessKey", env: CREDENTIAL_ENV.secretAccessKey },
} as const;
type CredentialName = keyof typeof CREDENTIAL_SOURCES;

/**
 * Dynamic provider for one project's import + export storage. Credentials never travel as
 * inputs: `configure` reads them from stack config in the provider process (or the
 * environment), so neither state nor the serialized provider holds them. `check` and `diff`
 * make no network call; resolving a project title needs the API and happens in create/update/read.
 * Delete leaves the storages in Label Studio: removing them would orphan the tasks they synced.
 */
export class LabelStudioStorageProvider implements pulumi.dynamic.ResourceProvider<ProjectStorageInputs, ProjectStorageOutputs> {
  private configured: Partial<Record<CredentialName, string>> = {};
  private budgetMs?: number;

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.configured = {};
    this.budgetMs = secondsToMs(req.config.get(REQUEST_BUDGET_CONFIG_KEY));
    for (const [name, source] of Object.entries(CREDENTIAL_SOURCES) as Array<[CredentialName, (typeof CREDENTIAL_SOURCES)[CredentialName]]>) {
      const value = req.config.get(source.config);
      if (value) this.configured[name] = value;
    }
  }

  async check(_olds: ProjectStorageInputs, news: ProjectStorageInputs): Promise<pulumi.dynamic.CheckResult<ProjectStorageInputs>> {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const known = (value: unknown) => value !== UNKNOWN;
    if (known(news.labelStudioUrl) && !/^https?:\/\/[^/\s]/.test(String(news.labelStudioUrl))) {
      failures.push({ property: "labelStudioUrl", reason: `labelStudioUrl must be an http(s) URL, got ${JSON.stringify(news.labelStudioUrl)}` });
    }
    const project = news.project;
    if (known(project) && !isProjectSelector(project)) {
      failures.push({ property: "project", reason: `project must be a positive id or a title, got ${JSON.stringify(project)}` });
    }
    if (INPUT_KEYS.every((key) => known(news[key]))) {
      for (const { property, reason } of settingsProblems(settingsOf(news))) failures.push({ property, reason });
    }
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: ProjectStorageOutputs, news: ProjectStorageInputs): Promise<pulumi.dynamic.DiffResult> {
    // An unknown value (in a preview) is the engine's placeholder text, never equal to an old value.
    const changed = INPUT_KEYS.filter((key) => !sameValue(olds[key], news[key]));
    const replaces: string[] = [];
    // Another Label Studio or another project is another resource; the same project named
    // by id instead of title is not.
    if (changed.includes("labelStudioUrl")) replaces.push("labelStudioUrl");
    if (changed.includes("project") && projectIdOf(news.project) !== olds.projectId) replaces.push("project");
    const storageMissing = olds.importStorageId == null || olds.exportStorageId == null;
    return { changes: changed.length > 0 || storageMissing, replaces, deleteBeforeReplace: false };
  }

  async create(inputs: ProjectStorageInputs): Promise<pulumi.dynamic.CreateResult<ProjectStorageOutputs>> {
    const { project, result } = await this.reconcile(inputs);
    return { id: String(project.id), outs: outputsOf(inputs, result) };
  }

  async update(id: string, _olds: ProjectStorageOutputs, news: ProjectStorageInputs): Promise<pulumi.dynamic.UpdateResult<ProjectStorageOutputs>> {
    const { project, result } = await this.reconcile(news, Number(id));
    return { outs: outputsOf(news, result, project.id) };
  }

  async read(id: string, props?: ProjectStorageOutputs): Promise<pulumi.dynamic.ReadResult<ProjectStorageOutputs>> {
    // `pulumi import` passes no state: without the URL and settings there is nothing to read.
    if (!props?.labelStudioUrl) throw new Error("LabelStudioProjectStorage can be refreshed, not imported: declare it and run pulumi up");
    const client = this.client(props);
    let project;
    try {
      project = await client.getProject(Number(id));
    } catch (err) {
      // Project deleted in Label Studio: a blank id drops the resource from state.
      if (isLabelStudioApiError(err) && err.status === 404) return { id: "" };
      throw err;
    }
    const settings = settingsOf(props);
    const observe = async (direction: "import" | "export") =>
      findOwnStorage(await client.listStorages(direction, project.id), desiredFields(direction, project, settings));
    const [imported, exported] = [await observe("import"), await observe("export")];
    return {
      id,
      props: {
        ...props,
        importStorageId: imported?.id ?? null,
        importStoragePrefix: imported?.prefix ?? props.importStoragePrefix,
        exportStorageId: exported?.id ?? null,
        exportStoragePrefix: exported?.prefix ?? props.exportStoragePrefix,
      },
    };
  }

  async delete(): Promise<void> {
    // Deliberately nothing: see the class comment.
  }

  private async reconcile(inputs: ProjectStorageInputs, expectedId?: number): Promise<{ project: { id: number; title: string }; result: ProjectResult }> {
    const settings = settingsOf(inputs);
    const problems = settingsProblems(settings);
    if (problems.length > 0) throw settingsError(problems);
    const client = this.client(inputs);
    const project = await resolveProject(client, inputs.project);
    if (expectedId !== undefined && project.id !== expectedId) {
      throw new Error(`Label Studio project ${JSON.stringify(inputs.project)} is now project ${project.id}, not ${expectedId}: use the id to keep managing ${expectedId}`);
    }
    const credentials: S3Credentials = { accessKeyId: this.credential("accessKeyId"), secretAccessKey: this.credential("secretAccessKey") };
    const markers = s3MarkerWriter(settings, credentials, { budgetMs: this.budgetMs });
    return { project, result: await reconcileProject({ client, markers, settings, credentials }, project) };
  }

  private client(inputs: Pick<ProjectStorageInputs, "labelStudioUrl">): LabelStudioClient {
    // The secret key is masked in errors even where it is not needed (a refresh); "" masks nothing.
    const secrets = [this.configuredOrEnv("secretAccessKey")];
    return new LabelStudioClient({ url: inputs.labelStudioUrl, token: this.credential("token"), secrets, retry: { budgetMs: this.budgetMs } });
  }

  private credential(name: CredentialName): string {
    const value = this.configuredOrEnv(name);
    const source = CREDENTIAL_SOURCES[name];
    if (!value) throw new Error(`missing ${name}: set the secret stack config "${source.config}" (pulumi config set --secret ${source.config} ...) or ${source.env}`);
    return value;
  }

  /** The credential from stack config, else the environment, else "". */
  private configuredOrEnv(name: CredentialName): string {
    return this.configured[name] ?? process.env[CREDENTIAL_SOURCES[name].env] ?? "";
  }
}

export const labelStudioStorageProvider = new LabelStudioStorageProvider();

/** A positive integer id, or a title that is not blank. */
function isProjectSelector(project: unknown): boolean {
  return typeof project === "number" ? Number.isInteger(project) && project > 0 : typeof project === "string" && project.trim() !== "";
}

function settingsOf(inputs: ProjectStorageInputs): StorageSettings {
  const { bucket, region, endpoint, importPrefix, exportPrefix, importRegex, importTitle, exportTitle } = inputs;
  return { bucket, region, ...(endpoint ? { endpoint } : {}), importPrefix, exportPrefix, importRegex, importTitle, exportTitle };
}

function outputsOf(inputs: ProjectStorageInputs, result: ProjectResult, projectId = result.id): ProjectStorageOutputs {
  const plain = Object.fromEntries(INPUT_KEYS.filter((key) => inputs[key] !== undefined).map((key) => [key, inputs[key]])) as unknown as ProjectStorageInputs;
  return {
    ...plain,
    projectId,
    slug: slugify(result.title),
    importStorageId: result.import.id,
    importStoragePrefix: result.import.prefix,
    exportStorageId: result.export.id,
    exportStoragePrefix: result.export.prefix,
  };
}
