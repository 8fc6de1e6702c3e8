#!/usr/bin/env python3
"""Downloads an .lz4 URL and decompresses it on the fly, continuing after
dropped, reset or stalled connections with nothing lost and nothing
decoded twice.

    python3 resume_download.py URL OUTFILE

The decompressor reads only what it decodes, so its data_read is exactly
where a new connection has to start: after a failure the example asks for
``Range: bytes=<data_read>-`` with ``If-Range: <ETag>`` (the same version of
the resource, or a refusal), checks that the server answered 206 from that
very offset, and hands the new response to Decompressor.setfp().
"""
import http.client
import sys
import time
import urllib.error
import urllib.request

import lz4framed

STALL_SECONDS = 5
RETRIES = 10


def request(url, offset, etag):
    """The response for the resource from `offset` on, checked."""
    req = urllib.request.Request(url)
    if offset:
        req.add_header('Range', 'bytes=%d-' % offset)
        if etag:
            req.add_header('If-Range', etag)
    resp = urllib.request.urlopen(req, timeout=STALL_SECONDS)
    if offset:
        content_range = resp.headers.get('Content-Range', '')
        if resp.status != 206 or not content_range.startswith('bytes %d-' % offset):
            raise SystemExit('%s: the server did not resume at offset %d (status %d, Content-Range %r)'
                             % (url, offset, resp.status, content_range))
        if etag and resp.headers.get('ETag') not in (None, etag):
            raise SystemExit('%s: the resource changed during the download' % url)
    return resp


def total_length(resp):
    """The resource's length, from Content-Range or Content-Length."""
    content_range = resp.headers.get('Content-Range')
    if content_range and '/' in content_range and not content_range.endswith('*'):
        return int(content_range.rsplit('/', 1)[1])
    length = resp.headers.get('Content-Length')
    return int(length) if length is not None else None


def download(url, out_path):
    resp = request(url, 0, None)
    etag = resp.headers.get('ETag')
    total = total_length(resp)
    decompressor = lz4framed.Decompressor(resp)
    reconnects = failures = 0
    with open(out_path, 'wb') as out:
        while True:
            try:
                for chunk in decompressor:
                    out.write(chunk)
                # The stream may end here; the resource must end here too
                # (a connection cut between two frames looks like an end).
                if total is None or decompressor.data_read >= total:
                    break
                reason = 'the response ended at offset %d of %d' % (decompressor.data_read, total)
            except lz4framed.Lz4FramedNoDataError:
                reason = 'the response ended inside a frame'
            except (OSError, http.client.HTTPException) as e:
                reason = '%s: %s' % (type(e).__name__, e)
            resp.close()
            offset = decompressor.data_read
            while True:
                failures += 1
                if failures > RETRIES:
                    raise SystemExit('%s: giving up at offset %d (%s)' % (url, offset, reason))
                print('%s; reconnecting at offset %d' % (reason, offset), file=sys.stderr)
                time.sleep(0.01 * failures)
                try:
                    resp = request(url, offset, etag)
                    break
                except urllib.error.HTTPError:
                    raise
                except (OSError, http.client.HTTPException) as e:
                    reason = '%s: %s' % (type(e).__name__, e)
            reconnects += 1
            failures = 0
            decompressor.setfp(resp)
    print('%s: %d bytes decompressed, %d reconnects' % (url, decompressor.data_read, reconnects), file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    download(sys.argv[1], sys.argv[2])
