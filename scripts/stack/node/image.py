#!/usr/bin/env python3
"""Writes an OCI image layout tarball of one uncompressed layer, for `ctr images import`.

The local stack cannot reach a registry: it builds its few images from files on this machine (a Debian package's
static busybox, the stack's own pause binary) and imports them into each node's containerd under the names the
manifests use. Every --name becomes an `io.containerd.image.name` annotation of the same manifest.

  image.py --out web.tar --file /bin/busybox=bin/busybox --dir usr/share/nginx/html \
           --entrypoint '["/bin/busybox","httpd","-f","-p","80"]' --port 80 --name example.com/web:1
"""
import argparse
import hashlib
import io
import json
import tarfile


def tar_info(name, kind, size=0, mode=0o755):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.mode, info.mtime = kind, size, mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def layer(files, dirs, links):
    """One layer: folders, files copied from this machine, symbolic links; deterministic bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        made = set()
        def folder(path):
            parts = path.strip("/").split("/")
            for i in range(1, len(parts) + 1):
                p = "/".join(parts[:i])
                if p and p not in made:
                    made.add(p)
                    tar.addfile(tar_info(p, tarfile.DIRTYPE, mode=0o1777 if p == "tmp" else 0o755))
        for d in dirs:
            folder(d)
        for src, dest in files:
            folder(dest.rsplit("/", 1)[0]) if "/" in dest else None
            with open(src, "rb") as f:
                data = f.read()
            tar.addfile(tar_info(dest, tarfile.REGTYPE, len(data)), io.BytesIO(data))
        for target, dest in links:
            folder(dest.rsplit("/", 1)[0]) if "/" in dest else None
            info = tar_info(dest, tarfile.SYMTYPE, mode=0o777)
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


def blob(out, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tar_info("blobs/sha256/" + digest[7:], tarfile.REGTYPE, len(data), 0o644)
    out.addfile(info, io.BytesIO(data))
    return {"digest": digest, "size": len(data)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--file", action="append", default=[], help="SRC=DEST (DEST relative to the image root)")
    ap.add_argument("--dir", action="append", default=[])
    ap.add_argument("--link", action="append", default=[], help="TARGET=DEST, a symbolic link")
    ap.add_argument("--entrypoint", required=True, help="a JSON list")
    ap.add_argument("--port", action="append", default=[])
    ap.add_argument("--name", action="append", required=True)
    a = ap.parse_args()

    files = [tuple(f.split("=", 1)) for f in a.file]
    links = [tuple(l.split("=", 1)) for l in a.link]
    layer_bytes = layer(files, a.dir, links)
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = {
        "architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": json.loads(a.entrypoint), "WorkingDir": "/",
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "ExposedPorts": {f"{p}/tcp": {} for p in a.port}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "scripts/stack/node/image.py", "created": "1970-01-01T00:00:00Z"}],
        "created": "1970-01-01T00:00:00Z",
    }
    with tarfile.open(a.out, mode="w", format=tarfile.PAX_FORMAT) as out:
        cfg = blob(out, json.dumps(config, sort_keys=True).encode())
        lay = blob(out, layer_bytes)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cfg},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **lay}]}
        man = blob(out, json.dumps(manifest, sort_keys=True).encode())
        index = {"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", **man,
             "platform": {"architecture": "amd64", "os": "linux"},
             "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}}
            for name in a.name]}
        for name, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", json.dumps(index).encode())):
            out.addfile(tar_info(name, tarfile.REGTYPE, len(data), 0o644), io.BytesIO(data))


if __name__ == "__main__":
    main()
