import type { DatasetSpec, NormalizerPlugin } from "./Plugin"

/** A flat list of plugins, searched in order. */
export interface Registry {
  readonly plugins: ReadonlyArray<NormalizerPlugin>
}

/** Build a registry; plugin ids and dataset ids must be unique. */
export const makeRegistry = (plugins: ReadonlyArray<NormalizerPlugin>): Registry => {
  const ids = new Set<string>()
  const datasets = new Set<string>()
  for (const p of plugins) {
    if (ids.has(p.id)) throw new Error(`duplicate normalizer plugin id: ${p.id}`)
    ids.add(p.id)
    for (const d of p.datasets) {
      if (datasets.has(d.id)) throw new Error(`duplicate dataset id ${d.id} (plugin ${p.id})`)
      datasets.add(d.id)
    }
  }
  return { plugins }
}

export interface Detected {
  readonly plugin: NormalizerPlugin
  readonly dataset: DatasetSpec
}

const norm = (h: string) => h.trim().toLowerCase()

/**
 * Find the dataset whose required columns all appear in `header`. When several match, the most specific
 * (most required columns) wins, so a plugin for a superset format is preferred.
 */
export const detect = (
  registry: Registry,
  header: ReadonlyArray<string>,
  agency = "auto"
): Detected | undefined => {
  const cols = new Set(header.map(norm))
  let best: Detected | undefined
  for (const plugin of registry.plugins) {
    if (agency !== "auto" && plugin.id !== agency && plugin.agency !== agency) continue
    for (const dataset of plugin.datasets) {
      if (!dataset.requiredColumns.every((c) => cols.has(norm(c)))) continue
      if (best === undefined || dataset.requiredColumns.length > best.dataset.requiredColumns.length) {
        best = { plugin, dataset }
      }
    }
  }
  return best
}

/** One line per dataset, for "expected …" error messages. */
export const describeDatasets = (registry: Registry, agency = "auto"): string =>
  registry.plugins
    .filter((p) => agency === "auto" || p.id === agency || p.agency === agency)
    .flatMap((p) => p.datasets.map((d) => `${d.id} (${d.requiredColumns.slice(0, 4).join(", ")}, …)`))
    .join("; ")
