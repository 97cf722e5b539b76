import { afterEach, expect, it } from "vitest";
import { provision } from "../../src/labelStudioStorage/reconcile";
import { LEGACY_TOKEN, PAT, startWorld, type World } from "./world";

// provision --all while Label Studio's project list changes under it.
let world: World | undefined;
afterEach(async () => {
  await world?.close();
});

it("reconciles a project once when a project created during the listing shifts it onto the next page too", async () => {
  let listed = 0;
  world = await startWorld({
    legacyToken: LEGACY_TOKEN,
    pat: PAT,
    // Right after page 1 is answered someone creates a project. Label Studio lists the newest
    // first, so every older project moves down one place: page 1's last one is page 2's first.
    onProcessed: (request) => {
      if (request === "GET /api/projects/" && ++listed === 1) world!.ls.addProject("Created meanwhile");
    },
  });
  for (let i = 1; i <= 150; i++) world.ls.addProject(`Project ${i}`);
  const report = await provision(world.context({ dryRun: true }), { projects: "all", concurrency: 4 });
  expect(report.errors).toEqual([]);
  expect(report.projects.map((p) => p.id)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
  const importListings = world.ls.server.requests.filter((r) => r.method === "GET" && r.path === "/api/storages/s3/").map((r) => Number(r.query.get("project")));
  expect(importListings.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
});
