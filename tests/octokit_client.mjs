// octokit.js (GitHub's JavaScript client) against the simulator, as a user's script would
// use it; tests/test_real_clients.py runs it and checks what it prints against the simulator.
//
//   node octokit_client.mjs OCTOKIT_ENTRY '{"mode": "actions"|"checks", "baseUrl": ..., ...}'
//
// "actions": list the workflows, dispatch, find the run, wait for it to end (polling with a
// deadline), page through its jobs and artifacts one per page, download every artifact.
// "checks": a job's token makes a check run, a person reads it back with a conditional
// request (304 while unchanged), the job updates it, the person sees the change.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { Octokit } = await import(pathToFileURL(process.argv[2]).href);
const cfg = JSON.parse(process.argv[3]);
const { owner, repo } = cfg;
const client = (token) =>
  new Octokit({ auth: token, baseUrl: cfg.baseUrl, userAgent: "cibw-debug-tui-tests" });

async function actions() {
  const octokit = client(cfg.token);
  const workflows = (await octokit.rest.actions.listRepoWorkflows({ owner, repo })).data;
  const workflow_id = workflows.workflows[0].id;
  const dispatched = await octokit.rest.actions.createWorkflowDispatch({
    owner, repo, workflow_id, ref: "main", inputs: cfg.inputs,
  });
  const listed = await octokit.rest.actions.listWorkflowRuns({
    owner, repo, workflow_id, event: "workflow_dispatch",
  });
  const run_id = listed.data.workflow_runs[0].id;
  const deadline = Date.now() + 60_000;
  let run;
  for (;;) {
    run = (await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id })).data;
    if (run.status === "completed") break;
    if (Date.now() > deadline) throw new Error(`run ${run_id} still ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
    owner, repo, run_id, per_page: 1,
  });
  const artifacts = await octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, {
    owner, repo, run_id, per_page: 1,
  });
  for (const artifact of artifacts) {
    const zip = await octokit.rest.actions.downloadArtifact({
      owner, repo, artifact_id: artifact.id, archive_format: "zip",
    });
    writeFileSync(join(cfg.out, `${artifact.name}.zip`), Buffer.from(zip.data));
  }
  return {
    workflows: workflows.workflows.map((w) => [w.id, w.name, w.path, w.state]),
    dispatch_status: dispatched.status,
    run: [run.id, run.status, run.conclusion, run.display_title, run.html_url],
    jobs: jobs.map((j) => [j.id, j.name, j.conclusion]),
    artifacts: artifacts.map((a) => [a.id, a.name, a.size_in_bytes]),
  };
}

async function checks() {
  const job = client(cfg.jobToken);
  const person = client(cfg.token);
  const query = { owner, repo, ref: "main", check_name: cfg.name };
  const made = await job.rest.checks.create({
    owner, repo, name: cfg.name, head_sha: cfg.sha, status: "in_progress",
    output: { title: "SSH session open", summary: cfg.summary },
  });
  const first = await person.rest.checks.listForRef(query);
  const etag = first.headers.etag;
  const conditional = { ...query, headers: { "if-none-match": etag } };
  let unchanged;
  try {
    unchanged = (await person.rest.checks.listForRef(conditional)).status;
  } catch (error) {
    unchanged = error.status; // octokit throws on 304
  }
  await job.rest.checks.update({
    owner, repo, check_run_id: made.data.id, conclusion: "success",
    output: { title: "SSH session closed", summary: "closed" },
  });
  const after = await person.rest.checks.listForRef(conditional);
  return {
    created: [made.status, made.data.id],
    first: first.data.check_runs.map((c) => [c.id, c.status, c.output.summary]),
    unchanged,
    after: [after.status, after.data.check_runs.map((c) => [c.id, c.conclusion, c.output.summary])],
  };
}

const result = cfg.mode === "checks" ? await checks() : await actions();
process.stdout.write(JSON.stringify(result) + "\n");
