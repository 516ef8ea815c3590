// Reading server-sent events in the benchmarks with node:http (fetch adds its own cost).

/** Calls `onData` with the parsed JSON `data:` of every event of an SSE response. */
export function onSseData(res, onData) {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    buf += chunk;
    let at;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) onData(JSON.parse(data));
    }
  });
}
