/**
 * The one pinned Label Studio chart: heartex/label-studio, vendored unchanged under vendor/ (see
 * vendor/README.md). The Release installs it from that directory and the tests render the same
 * directory, so what a preview shows is what was tested and no chart repository is contacted.
 */
export const LABEL_STUDIO_CHART = {
  name: "label-studio",
  version: "2.0.5",
  /** Relative to the project root, where Pulumi runs the program and the Kubernetes provider. */
  directory: "vendor/label-studio-2.0.5",
} as const;

/** What the Release's `chart` input says: a path, so Helm loads the vendored chart, never a download. */
export const CHART_PATH = `./${LABEL_STUDIO_CHART.directory}`;
