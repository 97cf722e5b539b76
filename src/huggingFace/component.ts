import { Secret } from "@pulumi/kubernetes/core/v1/secret";
import * as pulumi from "@pulumi/pulumi";

export interface DatasetSecretArgs {
  namespace: pulumi.Input<string>;
  /** Hugging Face token with write access to the dataset repo. */
  token: pulumi.Input<string>;
  /** owner/name of the dataset repo the annotations sink appends to. */
  datasetRepo: string;
}

/** The Kubernetes Secret the annotations sink reads its Hugging Face credentials from. */
export class HuggingFaceDatasetSecret extends pulumi.ComponentResource {
  /** Name of the Secret, for consumers' envFrom/secretKeyRef. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: DatasetSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("oceanid:huggingface:DatasetSecret", name, {}, opts);
    const secret = new Secret(
      name,
      {
        metadata: { name, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "oceanid", "app.kubernetes.io/component": "annotations-sink" } },
        type: "Opaque",
        stringData: { HF_TOKEN: args.token, HF_DATASET_REPO: args.datasetRepo },
      },
      { parent: this },
    );
    this.secretName = secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
