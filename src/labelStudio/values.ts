/** Pure construction of the label-studio chart values (heartex/label-studio, see API-FACTS C). */

/** Keys of the Secret this component creates; the values point at them, never hold them. */
export const SECRET_KEYS = {
  postgresPassword: "postgres-password",
  awsAccessKeyId: "aws-access-key-id",
  awsSecretAccessKey: "aws-secret-access-key",
  djangoSecretKey: "django-secret-key",
} as const;

/**
 * Where Label Studio keeps what users upload through it (django-storages `location`, from
 * STORAGE_AWS_FOLDER): a folder of its own beside the import and export prefixes, so the
 * per-project import storages never sync Label Studio's own files back as tasks and a lifecycle
 * rule can address them. Config refuses import/export prefixes that nest with it.
 */
export const MEDIA_FOLDER = "label-studio-media";

export interface ResourceSpec {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Requests and limits of each container of the app pod (the chart leaves all but `app` empty). */
export interface PodResources {
  app: ResourceSpec;
  nginx: ResourceSpec;
  /** The `db-migrations` init container (label-studio-migrate). */
  migrations: ResourceSpec;
}

export interface ChartValuesArgs {
  hostname: string;
  ingressClassName: string;
  tlsClusterIssuer: string;
  /** Connection facts only: the password lives in the Secret. */
  database: { host: string; port: number; database: string; user: string; sslmode: string };
  uploads: { bucketName: string; region: string; endpoint?: string };
  credentialsSecretName: string;
  proxyEnv: Record<string, string>;
  resources: PodResources;
}

export function chartValues(args: ChartValuesArgs): Record<string, unknown> {
  const origin = `https://${args.hostname}`;
  const fromSecret = (secretKey: string) => ({ secretName: args.credentialsSecretName, secretKey });
  return {
    global: {
      pgConfig: {
        host: args.database.host,
        port: args.database.port,
        dbName: args.database.database,
        userName: args.database.user,
        password: fromSecret(SECRET_KEYS.postgresPassword),
      },
      persistence: {
        enabled: true,
        type: "s3",
        config: {
          s3: {
            bucket: args.uploads.bucketName,
            region: args.uploads.region,
            folder: MEDIA_FOLDER,
            ...(args.uploads.endpoint ? { endpointUrl: args.uploads.endpoint } : {}),
            accessKeyExistingSecret: args.credentialsSecretName,
            accessKeyExistingSecretKey: SECRET_KEYS.awsAccessKeyId,
            secretKeyExistingSecret: args.credentialsSecretName,
            secretKeyExistingSecretKey: SECRET_KEYS.awsSecretAccessKey,
          },
        },
      },
      // Open-source Label Studio ignores POSTGRE_SSL_MODE; libpq reads PGSSLMODE.
      extraEnvironmentVars: chartEnvironment({ PGSSLMODE: args.database.sslmode, LABEL_STUDIO_HOST: origin, CSRF_TRUSTED_ORIGINS: origin, ...args.proxyEnv }),
      // Supplying SECRET_KEY stops the chart from generating one at render time.
      extraEnvironmentSecrets: { SECRET_KEY: fromSecret(SECRET_KEYS.djangoSecretKey) },
    },
    // The chart's bundled PostgreSQL is on by default and would shadow pgConfig.
    postgresql: { enabled: false },
    app: {
      ingress: {
        enabled: true,
        host: args.hostname,
        className: args.ingressClassName,
        annotations: { "cert-manager.io/cluster-issuer": args.tlsClusterIssuer },
        tls: [{ secretName: `${args.hostname.replace(/\./g, "-")}-tls`, hosts: [args.hostname] }],
      },
      resources: args.resources.app,
      nginx: { resources: args.resources.nginx },
      initContainer: { resources: args.resources.migrations },
    },
  };
}

/** The name the chart gives an extraEnvironmentVars key: it replaces "." with "_" and upper-cases. */
export function chartEnvName(key: string): string {
  return key.replace(/\./g, "_").toUpperCase();
}

/**
 * Environment variables as the chart will name them. The chart upper-cases every key, so
 * `http_proxy` beside `HTTP_PROXY` would reach each container as a second HTTP_PROXY: server-side
 * apply rejects the duplicate and a later upgrade that drops one removes both. Spellings that the
 * chart merges collapse to one entry; if they disagree, that is an error naming both.
 */
export function chartEnvironment(vars: Record<string, string>): Record<string, string> {
  const merged = new Map<string, { key: string; value: string }>();
  for (const [key, value] of Object.entries(vars)) {
    const name = chartEnvName(key);
    const earlier = merged.get(name);
    if (earlier && earlier.value !== value) {
      throw new Error(`Label Studio environment: ${earlier.key} and ${key} both become ${name} in the chart but differ (${JSON.stringify(earlier.value)} vs ${JSON.stringify(value)}); give them one value`);
    }
    merged.set(name, earlier ?? { key, value });
  }
  return Object.fromEntries([...merged.keys()].sort().map((name) => [name, merged.get(name)!.value]));
}
