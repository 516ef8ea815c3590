// Stands in for react-devtools-core in the bundled dashboard: ink loads it only when DEV=true.
export default { initialize() {}, connectToDevTools() {} };
