//! TLS for the business websites: a certificate authority generated when the world starts, and
//! for each `https://` site a leaf certificate it issues on the first handshake that names the
//! site (SNI), valid for the domain and `*.domain`.
//!
//! One certificate for every domain would be simpler, but a world with a large filler has
//! thousands of names, and a certificate that size no longer fits in one TLS handshake message
//! (rustls caps those at 64 KiB). Sites listed as `http://` get no certificate: their handshake
//! fails, as it does on a real host that never set up HTTPS. Handshakes without SNI fail too.
//!
//! The crypto provider is aws-lc-rs, the one the workspace's reqwest and sqlx already use; it is
//! passed explicitly, so no process-wide default provider is installed.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, SigningKey};

use crate::rng::fnv1a;
use crate::world::World;

/// The world's CA and the server configuration that issues site certificates from it.
pub(crate) struct SiteTls {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
}

impl SiteTls {
    /// A fresh CA (new keys every start) for the sites of `world`.
    pub fn generate(world: Arc<World>) -> anyhow::Result<SiteTls> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let ca_key = KeyPair::generate().context("generating the sample-world CA key")?;
        let mut ca = CertificateParams::default();
        ca.distinguished_name
            .push(DnType::CommonName, "Leadforge Sample World CA");
        ca.distinguished_name
            .push(DnType::OrganizationName, "Leadforge sample world");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = rcgen::date_time_ymd(2020, 1, 1);
        ca.not_after = rcgen::date_time_ymd(2100, 1, 1);
        ca.serial_number = Some(SerialNumber::from_slice(&[1]));
        let ca_cert = ca
            .self_signed(&ca_key)
            .context("self-signing the sample-world CA")?;
        let leaf_key = KeyPair::generate().context("generating the site key")?;
        let signing_key = provider
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                leaf_key.serialize_der(),
            )))
            .context("loading the site key into rustls")?;
        let certs = SiteCerts {
            world,
            issuer: Issuer::new(ca, ca_key),
            leaf_key,
            signing_key,
            issued: Mutex::default(),
        };
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(certs));
        // The sites speak HTTP/1.1 only; say so, so clients offering h2 fall back.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(SiteTls {
            ca_pem: ca_cert.pem(),
            config: Arc::new(config),
        })
    }
}

impl fmt::Debug for SiteTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteTls").finish_non_exhaustive()
    }
}

/// Issues, and remembers, one certificate per https site.
struct SiteCerts {
    world: Arc<World>,
    issuer: Issuer<'static, KeyPair>,
    /// One key for every leaf: generating a key per site would only cost time.
    leaf_key: KeyPair,
    signing_key: Arc<dyn SigningKey>,
    /// Bare domain → its certificate.
    issued: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl fmt::Debug for SiteCerts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteCerts").finish_non_exhaustive()
    }
}

impl SiteCerts {
    fn issue(&self, domain: &str) -> anyhow::Result<Arc<CertifiedKey>> {
        let mut params = CertificateParams::new(vec![domain.to_owned(), format!("*.{domain}")])?;
        params
            .distinguished_name
            .push(DnType::CommonName, domain.to_owned());
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.use_authority_key_identifier_extension = true;
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2100, 1, 1);
        // A leading 0x01 keeps the DER integer positive.
        let mut serial = vec![1];
        serial.extend_from_slice(&fnv1a(domain.as_bytes()).to_be_bytes());
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let cert = params.signed_by(&self.leaf_key, &self.issuer)?;
        Ok(Arc::new(CertifiedKey::new(
            vec![cert.der().clone()],
            Arc::clone(&self.signing_key),
        )))
    }
}

impl ResolvesServerCert for SiteCerts {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let domain = self.world.https_site_domain(hello.server_name()?)?;
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cert) = issued.get(&domain) {
            return Some(Arc::clone(cert));
        }
        match self.issue(&domain) {
            Ok(cert) => {
                issued.insert(domain, Arc::clone(&cert));
                Some(cert)
            }
            Err(error) => {
                tracing::warn!(site.domain = %domain, error = %error, "issuing a site certificate failed");
                None
            }
        }
    }
}
