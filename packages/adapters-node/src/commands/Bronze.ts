import { type Args, flagString, UsageError } from "../Args"

/**
 * `ventureos bronze lifecycle [--prefix p] [--apply --bucket B]`: print (and optionally apply) the S3
 * lifecycle + Intelligent-Tiering configuration of the raw archive.
 */
export const runBronze = async (args: Args): Promise<number> => {
  const [sub] = args.positionals
  if (sub !== "lifecycle") throw new UsageError(`bronze needs lifecycle, got "${sub ?? ""}"`)
  const prefix = flagString(args, "prefix") ?? ""
  // loaded here, not with the CLI: the S3 client's modules cost every other command ~20-60 ms to start
  const { applyBronzeLifecycle, bronzeIntelligentTieringConfiguration, bronzeLifecycleConfiguration } =
    await import("@ventureos/storage/archive/s3")
  const config = {
    lifecycle: bronzeLifecycleConfiguration(prefix),
    intelligentTiering: bronzeIntelligentTieringConfiguration(prefix)
  }
  if (args.flags.get("apply") === true) {
    const bucket = flagString(args, "bucket")
    if (bucket === undefined) throw new UsageError("bronze lifecycle --apply needs --bucket <raw bucket>")
    await applyBronzeLifecycle({ bucket, ...(prefix ? { prefix } : {}) })
    process.stderr.write(
      `applied the bronze lifecycle and Intelligent-Tiering configuration to s3://${bucket}\n`
    )
    process.stdout.write(`${JSON.stringify({ applied: true, bucket, ...config })}\n`)
    return 0
  }
  process.stderr.write("bronze lifecycle (not applied; add --apply --bucket <name> to apply it in AWS):\n")
  process.stdout.write(`${JSON.stringify({ applied: false, ...config })}\n`)
  return 0
}
