#!/bin/sh
# Regenerates tests/data/tls/: a throwaway certificate authority and the certificates the TLS
# tests serve from the simulator on 127.0.0.1 (tests/integration/test_tls.py).
#
# TEST-ONLY KEYS. The private keys are committed on purpose and are therefore public: nothing
# outside this repository's tests may trust ca.pem. They are long-lived (100 years) so that
# the tests never start failing on a date; run this script again only to change what they hold.
#
#   ca.pem, ca.key            the test CA (self-signed; CA:TRUE; keyCertSign)
#   server.pem, server.key    signed by the CA for localhost, 127.0.0.1 and ::1
#   wrong-host.pem            signed by the CA for wrong-host.invalid only (key: server.key)
#   expired.pem               signed by the CA, valid only in 2000 (key: server.key)
#   certs/<hash>.0            ca.pem under its OpenSSL subject hash, for SSL_CERT_DIR
#
# Needs only the `openssl` command (OpenSSL 1.1.1 or later). Usage: scripts/gen_test_cert.sh
set -eu

out="$(cd "$(dirname "$0")/.." && pwd)/tests/data/tls"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
days=36500

openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.key"
openssl req -x509 -new -key "$work/ca.key" -sha256 -days "$days" -out "$work/ca.pem" \
  -subj "/O=lro tests/CN=lro test CA (test only, do not trust)" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"

openssl ecparam -name prime256v1 -genkey -noout -out "$work/server.key"

# The leaves are issued with `openssl ca`: it alone sets arbitrary validity dates (expired.pem).
mkdir "$work/db"
: >"$work/db/index.txt"
echo 1000 >"$work/db/serial"
cat >"$work/ca.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
dir = $work
database = \$dir/db/index.txt
serial = \$dir/db/serial
new_certs_dir = \$dir/db
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
[localhost]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
[wrong_host]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong-host.invalid
CNF

issue() { # name, subject CN, extensions section, then `openssl ca` validity options
  name=$1 cn=$2 section=$3
  shift 3
  openssl req -new -key "$work/server.key" -subj "/O=lro tests/CN=$cn" -out "$work/$name.csr"
  openssl ca -batch -notext -config "$work/ca.cnf" -extensions "$section" \
    -in "$work/$name.csr" -out "$work/$name.pem" "$@" 2>/dev/null
}
issue server localhost localhost -days "$days"
issue wrong-host wrong-host.invalid wrong_host -days "$days"
issue expired localhost localhost -startdate 20000101000000Z -enddate 20001231000000Z

rm -rf "$out/certs"
mkdir -p "$out/certs"
for name in ca.pem ca.key server.pem server.key wrong-host.pem expired.pem; do
  cp "$work/$name" "$out/$name"
done
# What `openssl rehash` would link, as a plain copy (no symlink in the repository).
cp "$work/ca.pem" "$out/certs/$(openssl x509 -noout -subject_hash -in "$work/ca.pem").0"
chmod 600 "$out/ca.key" "$out/server.key"
echo "wrote $out"
