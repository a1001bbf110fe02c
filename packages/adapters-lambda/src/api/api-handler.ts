/**
 * Lambda entry `api-handler`: the whole API behind one API Gateway HTTP API route (`ANY /{proxy+}`) or a
 * Function URL, with `/openapi.json` and `/docs` (Scalar loaded from its CDN, so the bundle stays small).
 */
import { docsCdn, layerRoutes } from "@ventureos/api"
import { Layer } from "effect"
import { makeApiHandler } from "./Handler"
import { servingStoreLive } from "./Layers"
import { summaryServicesLive } from "./SummaryLayers"

export const handler = makeApiHandler(
  layerRoutes({ docs: docsCdn() }),
  summaryServicesLive.pipe(Layer.provideMerge(servingStoreLive))
)
