import { render } from "preact"
import uPlot from "uplot"

const App = () => <h1>hello {typeof uPlot}</h1>
render(<App />, document.getElementById("app")!)
