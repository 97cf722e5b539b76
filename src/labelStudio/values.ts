/** Pure construction of the label-studio chart values (heartex/label-studio, see API-FACTS C). */

export const CHART_REPOSITORY = "https://charts.heartex.com/";

/** Keys of the Secret this component creates; the values point at them, never hold them. */
export const SECRET_KEYS = {
  postgresPassword: "postgres-password",
  awsAccessKeyId: "aws-access-key-id",
  awsSecretAccessKey: "aws-secret-access-key",
  djangoSecretKey: "django-secret-key",
} as const;

export interface ResourceSpec {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
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
  resources: ResourceSpec;
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
            ...(args.uploads.endpoint ? { endpointUrl: args.uploads.endpoint } : {}),
            accessKeyExistingSecret: args.credentialsSecretName,
            accessKeyExistingSecretKey: SECRET_KEYS.awsAccessKeyId,
            secretKeyExistingSecret: args.credentialsSecretName,
            secretKeyExistingSecretKey: SECRET_KEYS.awsSecretAccessKey,
          },
        },
      },
      // Open-source Label Studio ignores POSTGRE_SSL_MODE; libpq reads PGSSLMODE.
      extraEnvironmentVars: sortKeys({ PGSSLMODE: args.database.sslmode, LABEL_STUDIO_HOST: origin, CSRF_TRUSTED_ORIGINS: origin, ...args.proxyEnv }),
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
      resources: args.resources,
    },
  };
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
