#!/usr/bin/env bash
# npm run demo: the main job on this example, in place. Safe to run again: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")"
hush() { node ../../dist/cli.cjs "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "hush gen --adopt — create every secret the manifest can make (--adopt: docker/secrets came from git as 0755, and hush changes the mode of a directory it did not create only when told)"
hush gen --adopt
step "hush check — validate development (the Hugging Face token is only required in production)"
hush check
step "hush status — age and rotation policy"
hush status
step "hush gen -e production — production's own values, in .secrets/production (never development's files)"
hush gen -e production -q
step "hush check -e production — the token is required there, so this reports it missing"
if hush check -e production; then echo "unexpected: production passed"; exit 1; else echo "(exit $? as expected until someone runs: hush set huggingface_token -e production)"; fi
step "hush init — infer a manifest from docker-compose.yml alone, in the scratch dir .demo/"
rm -rf .demo && mkdir -p .demo && cp docker-compose.yml .demo/
hush -C .demo init --force
step "hush scan — the project's own values (and 18 credential formats) appear nowhere in the tree"
hush scan
step "hush scan --no-ignore .demo — a base64 copy of session_key leaked into a scratch file is found, and not printed"
printf 'SESSION_BLOB=%s\n' "$(base64 -w0 < docker/secrets/session_key)" > .demo/leak.env
if hush scan --no-ignore .demo; then echo "unexpected: the leak was not found"; exit 1; else echo "(exit $? as expected)"; fi
step "hush keygen + hush seal — an age-encrypted, signed backup of development, and a dry-run unseal"
recipient=$(hush keygen -o .demo/key.txt -q)
export HUSH_AGE_KEY_FILE=.demo/key.txt # seal signs with .demo/key.signing.pem, beside the identity
hush seal -r "$recipient" -o .demo/development.hush.age
if hush unseal .demo/development.hush.age --dry-run; then echo "unexpected: an unlisted signer was trusted"; exit 1; else echo "(exit $? as expected: this new signing key is not under seal.signers in hush.yaml)"; fi
hush unseal .demo/development.hush.age --dry-run --allow-unsigned
step "the secret files: 0600 in a 0700 directory"
ls -la docker/secrets | grep -v '^total'
step "hush audit verify"
hush audit verify
