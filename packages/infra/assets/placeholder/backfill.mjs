// Placeholder code of a template synthesized with `-c code=placeholder` (tests, a synth without bundles).
const fail = async () => {
  throw new Error("placeholder code: deploy with -c code=bundles after building the bundles")
}
export const plan = fail
export const work = fail
export const commit = fail
