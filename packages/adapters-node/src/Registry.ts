import { epaPlugin, faaPlugin, makeRegistry, oshaPlugin } from "@ventureos/normalizers"

/** The plugins the CLI knows. Third-party plugins: build your own registry (see examples/plugin-agency). */
export const defaultRegistry = makeRegistry([oshaPlugin, epaPlugin, faaPlugin])
