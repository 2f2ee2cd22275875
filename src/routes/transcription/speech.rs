//! Fake speech in the language asked for: short business sentences whose names, companies and
//! phrases come from the `fake` crate's locales.
//!
//! `fake` 4 has no prose in any language (its lorem words are Latin in every locale), so each
//! language has a few sentence templates here, filled with what its locales do have: English
//! from `EN`; Portuguese with names from `PT_BR` and companies and business phrases from
//! `PT_PT` (`PT_BR` has none, and would fall back to English); Spanish, for which `fake` has
//! no locale, from [`Es`], a small locale of this module plugged into `fake`'s own fakers.
//! Other ISO 639-1 languages are accepted and answered with English text.

use fake::Fake;
use fake::faker::company::raw::{Bs, CompanyName};
use fake::faker::name::raw::Name;
use fake::locales::{Data, EN, PT_BR, PT_PT};
use rand::Rng;

/// Every ISO 639-1 code.
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca \
ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu \
gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko \
kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl \
nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn \
so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo \
xh yi yo za zh zu";

/// The ISO 639-1 code of a language hint: `pt`, `PT`, `pt-BR` and `pt_BR` are all `pt`;
/// `None` when the hint is not one (`english`, `zz`).
pub fn iso_639_1(hint: &str) -> Option<String> {
    let primary = hint.split(['-', '_']).next().unwrap_or_default();
    let code = primary.to_ascii_lowercase();
    let region_ok = hint[primary.len()..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let known = code.len() == 2 && ISO_639_1.split(' ').any(|c| c == code);
    (known && region_ok && hint.len() <= 35).then_some(code)
}

/// The templates and weekdays of one language.
struct Phrases {
    sentences: &'static [&'static str],
    days: &'static [&'static str],
}

const ENGLISH: Phrases = Phrases {
    sentences: &[
        "Hi, this is {name} from {company}.",
        "We need to {bs} before {day}.",
        "Can you send the report to {name} by {day}?",
        "The plan for this quarter is to {bs}.",
        "{company} asked us to {bs} in the next {n} days.",
        "Thanks, {name}, let's talk again on {day}.",
        "I think we should {bs} first.",
        "The team agreed to {bs} with {company}.",
    ],
    days: &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
};

const PORTUGUESE: Phrases = Phrases {
    sentences: &[
        "Olá, aqui é {name}, da {company}.",
        "Precisamos {bs} antes de {day}.",
        "Você pode enviar o relatório para {name} até {day}?",
        "O plano para este trimestre é {bs}.",
        "A {company} pediu para {bs} nos próximos {n} dias.",
        "Obrigado, {name}, falamos de novo na {day}.",
        "Acho que devemos {bs} primeiro.",
        "A equipe concordou em {bs} com a {company}.",
    ],
    days: &[
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
    ],
};

const SPANISH: Phrases = Phrases {
    sentences: &[
        "Hola, habla {name}, de {company}.",
        "Tenemos que {bs} antes del {day}.",
        "¿Puedes enviar el informe a {name} antes del {day}?",
        "El plan para este trimestre es {bs}.",
        "{company} nos pidió {bs} en los próximos {n} días.",
        "Gracias, {name}, hablamos de nuevo el {day}.",
        "Creo que primero debemos {bs}.",
        "El equipo acordó {bs} con {company}.",
    ],
    days: &["lunes", "martes", "miércoles", "jueves", "viernes"],
};

/// A small Spanish locale for `fake` (which ships none): names, companies and business
/// phrases, with the adjective after the noun.
#[derive(Debug, Clone, Copy)]
pub struct Es;

impl Data for Es {
    const NAME_FIRST_NAME: &'static [&'static str] = &[
        "Alejandro",
        "Ana",
        "Carlos",
        "Carmen",
        "Diego",
        "Elena",
        "Javier",
        "Laura",
        "Lucía",
        "Manuel",
        "María",
        "Pablo",
        "Sofía",
        "Valentina",
    ];
    const NAME_LAST_NAME: &'static [&'static str] = &[
        "García",
        "Rodríguez",
        "Martínez",
        "López",
        "González",
        "Pérez",
        "Sánchez",
        "Ramírez",
        "Torres",
        "Flores",
        "Díaz",
        "Moreno",
    ];
    const COMPANY_SUFFIX: &'static [&'static str] = &["S.A.", "S.L.", "y Asociados"];
    const COMPANY_NAME_TPLS: &'static [&'static str] =
        &["{Name_1} {Suffix}", "{Name_1} y {Name_2} {Suffix}"];
    const COMPANY_BS_VERBS: &'static [&'static str] = &[
        "implementar",
        "integrar",
        "optimizar",
        "desarrollar",
        "ampliar",
        "transformar",
        "impulsar",
        "consolidar",
    ];
    const COMPANY_BS_ADJ: &'static [&'static str] = &[
        "eficientes",
        "escalables",
        "integradas",
        "digitales",
        "innovadoras",
        "dinámicas",
        "estratégicas",
        "globales",
    ];
    const COMPANY_BS_NOUNS: &'static [&'static str] = &[
        "soluciones",
        "plataformas",
        "alianzas",
        "iniciativas",
        "estrategias",
        "comunidades",
        "herramientas",
        "metodologías",
    ];
    const COMPANY_BS_TPL: &'static str = "{Verb} {Noun} {Adj}";
}

/// `sentences` sentences of fake speech in language `code` (English for codes without
/// phrases here).
pub fn transcript(code: &str, sentences: usize, rng: &mut impl Rng) -> String {
    let mut out = Vec::with_capacity(sentences);
    for _ in 0..sentences {
        out.push(match code {
            "pt" => sentence(&PORTUGUESE, PT_BR, PT_PT, rng),
            "es" => sentence(&SPANISH, Es, Es, rng),
            _ => sentence(&ENGLISH, EN, EN, rng),
        });
    }
    out.join(" ")
}

/// One sentence of `phrases`, with people's names from locale `people` and companies and
/// business phrases from locale `business`.
fn sentence<P, B>(phrases: &Phrases, people: P, business: B, rng: &mut impl Rng) -> String
where
    P: Data + Copy,
    B: Data + Copy,
{
    let template = phrases.sentences[rng.random_range(0..phrases.sentences.len())];
    let mut text = template.to_owned();
    if text.contains("{name}") {
        text = text.replace("{name}", &Name(people).fake_with_rng::<String, _>(rng));
    }
    if text.contains("{company}") {
        let company = CompanyName(business).fake_with_rng::<String, _>(rng);
        text = text.replace("{company}", &company);
    }
    if text.contains("{bs}") {
        text = text.replace("{bs}", &Bs(business).fake_with_rng::<String, _>(rng));
    }
    let day = phrases.days[rng.random_range(0..phrases.days.len())];
    let n = rng.random_range(2..=30u32).to_string();
    let mut text = text.replace("{day}", day).replace("{n}", &n);
    if text.ends_with("..") {
        // A company ending in "S.A." closes the sentence itself.
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn language_hints_are_read_as_iso_639_1_codes() {
        assert_eq!(iso_639_1("pt").as_deref(), Some("pt"));
        assert_eq!(iso_639_1("PT-br").as_deref(), Some("pt"));
        assert_eq!(iso_639_1("es_MX").as_deref(), Some("es"));
        assert_eq!(iso_639_1("de").as_deref(), Some("de"));
        for bad in ["english", "zz", "e", "", "en US", "pt-BR!"] {
            assert_eq!(iso_639_1(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_language_speaks_its_own_words_deterministically() {
        let speak = |code: &str| transcript(code, 12, &mut ChaCha8Rng::seed_from_u64(9));
        assert_eq!(speak("es"), speak("es"));
        let spanish = speak("es");
        assert!(
            [
                "Hola",
                "Tenemos",
                "informe",
                "plan",
                "nos pidió",
                "Gracias",
                "Creo",
                "equipo"
            ]
            .iter()
            .any(|w| spanish.contains(w)),
            "{spanish}"
        );
        let portuguese = speak("pt");
        assert!(
            [
                "Olá",
                "Precisamos",
                "relatório",
                "trimestre",
                "pediu",
                "Obrigado",
                "Acho"
            ]
            .iter()
            .any(|w| portuguese.contains(w)),
            "{portuguese}"
        );
        assert!(!portuguese.contains(" and "), "{portuguese}");
        assert_eq!(speak("fr"), speak("en"), "no phrases: English");
    }
}
