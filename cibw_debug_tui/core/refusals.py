"""What to do when GitHub refuses a dispatch (422), in words: GitHub's message names the
symptom ("Unexpected inputs provided"), the person needs the cure (push the current workflow)."""

from __future__ import annotations

from cibw_debug_tui.core.workflow_contract import WORKFLOW_FILE


def dispatch_refused(message: str, repo: str, ref: str, workflow: str = WORKFLOW_FILE) -> str:
    """GitHub's 422 `message` to a dispatch of `workflow` on `ref`, as what to do."""
    push = (f"push the current workflow to {ref}: `cibw-debug-tui install-workflow`, then "
            "commit and push it")  # fmt: skip
    said = message.lower()
    if "workflow_dispatch" in said:
        return (f"the copy of {workflow} on {ref} of {repo} cannot be started by hand (it has "
                f"no workflow_dispatch trigger): {push}")  # fmt: skip
    if "unexpected inputs" in said:
        return (f"the copy of {workflow} on {ref} of {repo} is older than this tool ({message}):"
                f" {push}")  # fmt: skip
    if "not in the list of allowed values" in said:
        return (f"the copy of {workflow} on {ref} of {repo} does not offer this choice "
                f"({message}); it is older than this tool: {push}")  # fmt: skip
    if "no ref found" in said:
        return f"{repo} has no branch or tag {ref!r}: choose one that exists, or push it first"
    return f"GitHub refused the dispatch: {message}"
