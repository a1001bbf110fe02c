/** Lambda entry `api-city-handler`: `GET /api/city/:id`, `/api/state/:id`, `/api/top`. */
import { layerPlacesRoutes } from "@ventureos/api"
import { makeApiHandler } from "./Handler"
import { servingStoreLive } from "./Layers"

export const handler = makeApiHandler(layerPlacesRoutes, servingStoreLive)
