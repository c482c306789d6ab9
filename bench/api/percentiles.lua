-- Appended to every target's script by run.py: prints the latency percentiles (microseconds) wrk's summary lacks.
done = function(summary, latency, requests)
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("pct %s %d\n", tostring(p), latency:percentile(p)))
  end
end
