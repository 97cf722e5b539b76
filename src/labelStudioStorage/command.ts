import type { Command } from "commander";
import { UsageError } from "../cli/errors";
import { progressLines, type ProgressLines } from "../cli/progress";
import { LabelStudioClient } from "./client";
import { CREDENTIAL_ENV, STORAGE_DEFAULTS } from "./defaults";
import { isLabelStudioApiError, isNetworkError } from "./errors";
import { DEFAULT_REQUEST_BUDGET_MS, describeWait, isRunBudgetSpent, secondsToMs } from "../http/retry";
import { s3MarkerWriter } from "./marker";
import { useEnvironmentProxy } from "./proxy";
import { DEFAULT_CONCURRENCY, isProvisionError, isSettingsError, provision, type ProvisionReport } from "./reconcile";
import type { S3Credentials, StorageSettings } from "./types";

interface ProvisionFlags {
  project?: string[];
  all?: boolean;
  dryRun: boolean;
  json: boolean;
  concurrency: number;
  requestBudget?: string;
  runBudget?: string;
  labelStudioUrl?: string;
  bucket?: string;
  region?: string;
  endpoint?: string;
  importPrefix?: string;
  exportPrefix?: string;
  importRegex?: string;
  importTitle?: string;
  exportTitle?: string;
}

/** Flag → environment variable; a flag wins. Secrets have no flag: argv is visible in `ps`. */
const SETTING_ENV = {
  requestBudget: "OCEANID_REQUEST_BUDGET",
  runBudget: "OCEANID_RUN_BUDGET",
  labelStudioUrl: "LABEL_STUDIO_URL",
  bucket: "S3_BUCKET",
  region: "AWS_REGION",
  endpoint: "S3_ENDPOINT",
  importPrefix: "IMPORT_PREFIX",
  exportPrefix: "EXPORT_PREFIX",
  importRegex: "IMPORT_REGEX",
  importTitle: "IMPORT_TITLE",
  exportTitle: "EXPORT_TITLE",
} as const;

/** A run of the CronJob (every 15 minutes by default) should end well before the next one. */
const DEFAULT_RUN_BUDGET_MS = 10 * 60_000;

/** `oceanid provision`: the CronJob's entry point and a manual front door to the same reconcile. */
export function registerProvisionCommand(program: Command): void {
  const env = (name: string, fallback?: string) => `(env ${name}${fallback === undefined ? "" : `, default ${JSON.stringify(fallback)}`})`;
  program
    .command("provision")
    .description(
      `Give Label Studio projects their S3 import and export storage, idempotently. Secrets only from the environment: ${Object.values(CREDENTIAL_ENV).join(", ")}. Progress on stderr.`,
    )
    .option("--project <idOrTitle...>", "project ids or exact titles")
    .option("--all", "every project")
    .option("--dry-run", "list and plan only: no marker, no create/update, no sync", false)
    .option("--json", 'print { "projects": [...], "requests": N } on stdout', false)
    .option("--concurrency <n>", "projects reconciled at once", parsePositiveInt, DEFAULT_CONCURRENCY)
    .option("--request-budget <seconds>", `time each request may take, retries included ${env(SETTING_ENV.requestBudget, String(DEFAULT_REQUEST_BUDGET_MS / 1000))}`)
    .option("--run-budget <seconds>", `time after which no more work starts; projects left are reported ${env(SETTING_ENV.runBudget, String(DEFAULT_RUN_BUDGET_MS / 1000))}`)
    .option("--label-studio-url <url>", `Label Studio base URL ${env(SETTING_ENV.labelStudioUrl)}`)
    .option("--bucket <name>", `uploads bucket ${env(SETTING_ENV.bucket)}`)
    .option("--region <region>", `bucket region ${env(SETTING_ENV.region)}`)
    .option("--endpoint <url>", `S3-compatible endpoint ${env(SETTING_ENV.endpoint)}`)
    .option("--import-prefix <path>", `base path or template with {project}/{project_id} ${env(SETTING_ENV.importPrefix, STORAGE_DEFAULTS.importPrefix)}`)
    .option("--export-prefix <path>", `likewise for exports ${env(SETTING_ENV.exportPrefix, STORAGE_DEFAULTS.exportPrefix)}`)
    .option("--import-regex <regex>", `keys to import (Python re.match on the full key) ${env(SETTING_ENV.importRegex, STORAGE_DEFAULTS.importRegex)}`)
    .option("--import-title <title>", `import storage title ${env(SETTING_ENV.importTitle, STORAGE_DEFAULTS.importTitle)}`)
    .option("--export-title <title>", `export storage title ${env(SETTING_ENV.exportTitle, STORAGE_DEFAULTS.exportTitle)}`)
    .action(async (flags: ProvisionFlags) => {
      let report: ProvisionReport;
      const progress = progressLines((text) => void process.stderr.write(text));
      try {
        report = await runProvision(flags, process.env, progress);
      } catch (err) {
        // Complete, secret-free messages: a stack trace would only add noise.
        if (isProvisionError(err) || isSettingsError(err) || isLabelStudioApiError(err) || isNetworkError(err) || isRunBudgetSpent(err)) throw new UsageError(err.message);
        throw err;
      } finally {
        progress.flush();
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(toJson(report, flags.dryRun), null, 2)}\n`);
      for (const { message } of report.errors) process.stderr.write(`not converged: ${message}\n`);
      const summary = `${report.projects.length} project(s), ${report.errors.length} error(s), ${report.requests} Label Studio request(s)`;
      process.stderr.write(`${flags.dryRun ? "dry run: " : ""}${summary}\n`);
      if (report.errors.length > 0) process.exitCode = 1;
    });
}

async function runProvision(flags: ProvisionFlags, env: NodeJS.ProcessEnv, progress: ProgressLines): Promise<ProvisionReport> {
  if (Boolean(flags.all) === Boolean(flags.project?.length)) throw new UsageError("give either --project <id|title>... or --all");
  const setting = (key: keyof typeof SETTING_ENV) => flags[key] ?? (env[SETTING_ENV[key]] || undefined);
  const required = (key: keyof typeof SETTING_ENV, flag: string) => {
    const value = setting(key);
    if (!value) throw new UsageError(`${flag} or ${SETTING_ENV[key]} is required`);
    return value;
  };
  const secret = (key: keyof typeof CREDENTIAL_ENV) => {
    const value = env[CREDENTIAL_ENV[key]];
    if (!value) throw new UsageError(`${CREDENTIAL_ENV[key]} is not set`);
    return value;
  };
  const budget = (key: "requestBudget" | "runBudget", flag: string, fallback: number) => {
    const value = setting(key);
    if (value === undefined) return fallback;
    const ms = secondsToMs(value);
    if (ms === undefined) throw new UsageError(`${flag} (or ${SETTING_ENV[key]}) must be a positive number of seconds, got ${JSON.stringify(value)}`);
    return ms;
  };
  const budgetMs = budget("requestBudget", "--request-budget", DEFAULT_REQUEST_BUDGET_MS);
  const deadline = Date.now() + budget("runBudget", "--run-budget", DEFAULT_RUN_BUDGET_MS);
  const labelStudioUrl = required("labelStudioUrl", "--label-studio-url");
  if (!/^https?:\/\/[^/]/i.test(labelStudioUrl) || !URL.canParse(labelStudioUrl)) {
    throw new UsageError(`--label-studio-url (or ${SETTING_ENV.labelStudioUrl}) must be an http(s) URL such as https://label.example.com, got ${JSON.stringify(labelStudioUrl)}`);
  }
  const endpoint = setting("endpoint");
  const settings: StorageSettings = {
    bucket: required("bucket", "--bucket"),
    region: required("region", "--region"),
    ...(endpoint ? { endpoint } : {}),
    importPrefix: setting("importPrefix") ?? STORAGE_DEFAULTS.importPrefix,
    exportPrefix: setting("exportPrefix") ?? STORAGE_DEFAULTS.exportPrefix,
    importRegex: setting("importRegex") ?? STORAGE_DEFAULTS.importRegex,
    importTitle: setting("importTitle") ?? STORAGE_DEFAULTS.importTitle,
    exportTitle: setting("exportTitle") ?? STORAGE_DEFAULTS.exportTitle,
  };
  const credentials: S3Credentials = { accessKeyId: secret("accessKeyId"), secretAccessKey: secret("secretAccessKey") };
  const token = secret("token");
  if (useEnvironmentProxy(env)) process.stderr.write("using the proxy from HTTP_PROXY/HTTPS_PROXY (NO_PROXY honoured)\n");
  const retry = { budgetMs, deadline, onWait: (wait: Parameters<typeof describeWait>[0]) => progress.line(describeWait(wait)) };
  const client = new LabelStudioClient({ url: labelStudioUrl, token, secrets: [credentials.secretAccessKey], retry });
  return provision(
    { client, markers: s3MarkerWriter(settings, credentials, retry), settings, credentials, dryRun: flags.dryRun },
    { projects: flags.all ? "all" : flags.project!, concurrency: flags.concurrency, onProgress: progress.line, deadline },
  );
}

/** The issue's shape: { projects: [{ id, slug, import, export, synced }], requests }, plus errors. */
function toJson(report: ProvisionReport, dryRun: boolean) {
  return {
    ...(dryRun ? { dryRun: true } : {}),
    projects: report.projects.map((p) => ({ id: p.id, slug: p.slug, import: p.import, export: p.export, synced: p.synced })),
    requests: report.requests,
    errors: report.errors,
  };
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
