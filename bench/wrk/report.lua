-- Prints one JSON line that the benchmark reads: counts, errors and latency
-- percentiles in microseconds. wrk calls `done` once, after the run.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_REPORT {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"status_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
