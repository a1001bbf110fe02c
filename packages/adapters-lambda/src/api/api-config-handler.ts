/** Lambda entry `api-config-handler`: `GET /api/config/:brand`. */
import { layerConfigRoutes } from "@ventureos/api"
import { makeApiHandler } from "./Handler"
import { servingStoreLive } from "./Layers"

export const handler = makeApiHandler(layerConfigRoutes, servingStoreLive)
