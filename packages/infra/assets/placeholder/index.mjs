// Placeholder code of a template synthesized with `-c code=placeholder` (tests, a synth without bundles).
export const handler = async () => {
  throw new Error("placeholder code: deploy with -c code=bundles after building the bundles")
}
