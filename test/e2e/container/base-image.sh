#!/usr/bin/env bash
# Makes a stand-in for the Dockerfile's base image (node:20-bookworm-slim) where no image registry is reachable:
# a Debian bookworm rootfs from the Debian archive (mmdebstrap) plus this machine's Node 20 and npm, with the user
# `node` (uid 1000) the official image has. Usage: base-image.sh IMAGE_NAME
set -euo pipefail
name=${1:?usage: base-image.sh IMAGE_NAME}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$work/rootfs.tar"

container=$(buildah from scratch)
trap 'buildah rm "$container" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
root=$(buildah mount "$container")
tar -xf "$work/rootfs.tar" -C "$root"
# Node where the official image has it, npm and the headers node-gyp builds native addons against (better-sqlite3)
install -m 0755 "$(command -v node)" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules" "$root/usr/local/include"
cp -a /usr/lib/node_modules/npm "$root/usr/local/lib/node_modules/npm"
cp -a /usr/include/node "$root/usr/local/include/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
buildah umount "$container" >/dev/null

buildah config --env NODE_VERSION="$(node --version | tr -d v)" --cmd node "$container"
buildah commit --quiet "$container" "$name" >/dev/null
echo "stand-in base image $name: Debian bookworm + Node $(node --version)"
