"""Lets an architecture module run its own cases (the x86 modules do).

The framework (`vexgen.core`) runs every case on Unicorn. The x86-64 module
runs them on the host CPU instead, and the 32-bit module wraps Unicorn to
move x87 registers in and out; both define `run_case(module, ...)` with
`core.run_case`'s signature. Importing this module routes the framework's
calls to a module's `run_case` when it has one, and makes the header name
the module's `REFERENCE` when it has one. `unicorn_run_case` is the
framework's own runner.
"""

from vexgen import core

if not getattr(core, "_module_run_case_hook", False):
    core._unicorn_run_case = core.run_case
    core._generate_plain = core.generate

    def _run_case(module, *args):
        f = getattr(module, "run_case", None)
        return f(module, *args) if f else core._unicorn_run_case(module, *args)

    def _generate(module, count, seed):
        lines = core._generate_plain(module, count, seed)
        ref = getattr(module, "REFERENCE", None)
        if ref:
            lines = [f"# reference: {ref}; do not edit by hand, regenerate" if l.startswith("# reference:") else l
                     for l in lines]
        return lines

    core.run_case = _run_case
    core.generate = _generate
    core._module_run_case_hook = True


def unicorn_run_case(*args):
    return core._unicorn_run_case(*args)
