// Stands in for is-in-ci in the bundled dashboard. Ink shows only the last frame when CI=true
// (meant for CI logs), but `tt status` only renders with Ink on a real terminal, where a user
// whose shell happens to export CI must still see it live.
export default false;
