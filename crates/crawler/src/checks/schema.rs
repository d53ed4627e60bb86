//! schema.org `LocalBusiness` markup (JSON-LD or microdata), which search engines use for the
//! business panel and local results.

use serde_json::Value;

use super::{Finding, FindingKey};
use crate::page::ParsedPage;

/// `LocalBusiness` and its schema.org subtypes (schema.org 26, with the medical and sports
/// branches that are local businesses too).
const LOCAL_BUSINESS_TYPES: &[&str] = &[
    "LocalBusiness",
    // Direct subtypes.
    "AnimalShelter",
    "ArchiveOrganization",
    "AutomotiveBusiness",
    "ChildCare",
    "Dentist",
    "DryCleaningOrLaundry",
    "EmergencyService",
    "EmploymentAgency",
    "EntertainmentBusiness",
    "FinancialService",
    "FoodEstablishment",
    "GovernmentOffice",
    "HealthAndBeautyBusiness",
    "HomeAndConstructionBusiness",
    "InternetCafe",
    "LegalService",
    "Library",
    "LodgingBusiness",
    "MedicalBusiness",
    "ProfessionalService",
    "RadioStation",
    "RealEstateAgent",
    "RecyclingCenter",
    "SelfStorage",
    "ShoppingCenter",
    "SportsActivityLocation",
    "Store",
    "TelevisionStation",
    "TouristInformationCenter",
    "TravelAgency",
    // Automotive.
    "AutoBodyShop",
    "AutoDealer",
    "AutoPartsStore",
    "AutoRental",
    "AutoRepair",
    "AutoWash",
    "GasStation",
    "MotorcycleDealer",
    "MotorcycleRepair",
    // Emergency and government.
    "FireStation",
    "Hospital",
    "PoliceStation",
    "PostOffice",
    // Entertainment.
    "AdultEntertainment",
    "AmusementPark",
    "ArtGallery",
    "Casino",
    "ComedyClub",
    "MovieTheater",
    "NightClub",
    // Financial.
    "AccountingService",
    "AutomatedTeller",
    "BankOrCreditUnion",
    "InsuranceAgency",
    // Food.
    "Bakery",
    "BarOrPub",
    "Brewery",
    "CafeOrCoffeeShop",
    "Distillery",
    "FastFoodRestaurant",
    "IceCreamShop",
    "Restaurant",
    "Winery",
    // Health and beauty.
    "BeautySalon",
    "DaySpa",
    "HairSalon",
    "HealthClub",
    "NailSalon",
    "TattooParlor",
    // Home and construction.
    "Electrician",
    "GeneralContractor",
    "HVACBusiness",
    "HousePainter",
    "Locksmith",
    "MovingCompany",
    "Plumber",
    "RoofingContractor",
    // Legal.
    "Attorney",
    "Notary",
    // Lodging.
    "BedAndBreakfast",
    "Campground",
    "Hostel",
    "Hotel",
    "Motel",
    "Resort",
    "SkiResort",
    "VacationRental",
    // Medical.
    "CommunityHealth",
    "Dermatology",
    "DietNutrition",
    "Emergency",
    "Geriatric",
    "Gynecologic",
    "MedicalClinic",
    "CovidTestingFacility",
    "Midwifery",
    "Nursing",
    "Obstetric",
    "Oncologic",
    "Optician",
    "Optometric",
    "Otolaryngologic",
    "Pediatric",
    "Pharmacy",
    "Physician",
    "Physiotherapy",
    "PlasticSurgery",
    "Podiatric",
    "PrimaryCare",
    "Psychiatric",
    "PublicHealth",
    "IndividualPhysician",
    "PhysiciansOffice",
    // Sports.
    "BowlingAlley",
    "ExerciseGym",
    "GolfCourse",
    "PublicSwimmingPool",
    "SportsClub",
    "StadiumOrArena",
    "TennisComplex",
    // Stores.
    "BikeStore",
    "BookStore",
    "ClothingStore",
    "ComputerStore",
    "ConvenienceStore",
    "DepartmentStore",
    "ElectronicsStore",
    "Florist",
    "FurnitureStore",
    "GardenStore",
    "GroceryStore",
    "HardwareStore",
    "HobbyShop",
    "HomeGoodsStore",
    "JewelryStore",
    "LiquorStore",
    "MensClothingStore",
    "MobilePhoneStore",
    "MovieRentalStore",
    "MusicStore",
    "OfficeEquipmentStore",
    "OutletStore",
    "PawnShop",
    "PetStore",
    "ShoeStore",
    "SportingGoodsStore",
    "TireShop",
    "ToyStore",
    "WholesaleStore",
];

/// `Dentist` from `Dentist`, `schema:Dentist` or `https://schema.org/Dentist`.
fn bare_type(raw: &str) -> &str {
    let raw = raw.trim().trim_end_matches('/');
    raw.rsplit(['/', ':', '#']).next().unwrap_or(raw)
}

fn local_business_type(raw: &str) -> Option<&'static str> {
    let bare = bare_type(raw);
    LOCAL_BUSINESS_TYPES
        .iter()
        .copied()
        .find(|t| t.eq_ignore_ascii_case(bare))
}

/// The first object in a JSON-LD value (nested or in `@graph`) typed as a local business,
/// with its type; every `@type` seen is collected for the evidence of absence.
fn find_local_business<'v>(
    value: &'v Value,
    seen: &mut Vec<String>,
) -> Option<(&'static str, &'v Value)> {
    let mut stack = vec![value];
    let mut visited = 0;
    while let Some(value) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            return None;
        }
        match value {
            Value::Object(map) => {
                let types: Vec<&str> = match map.get("@type") {
                    Some(Value::String(t)) => vec![t.as_str()],
                    Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for t in types {
                    if let Some(found) = local_business_type(t) {
                        return Some((found, value));
                    }
                    if seen.len() < 10 && !seen.iter().any(|s| s == bare_type(t)) {
                        seen.push(bare_type(t).to_owned());
                    }
                }
                stack.extend(map.values().rev());
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    None
}

pub(super) fn local_business(page: &ParsedPage) -> Finding {
    let key = FindingKey::NoLocalBusinessSchema;
    let mut seen = Vec::new();
    for value in page.json_ld() {
        if let Some((kind, object)) = find_local_business(value, &mut seen) {
            let evidence = serde_json::to_string(object).unwrap_or_default();
            return Finding::new(
                key,
                true,
                format!("schema.org {kind} (JSON-LD)"),
                page,
                &evidence,
            );
        }
    }
    if let Some((kind, raw)) = page
        .item_types()
        .iter()
        .find_map(|t| local_business_type(t).map(|k| (k, t)))
    {
        let evidence = format!("itemtype=\"{raw}\"");
        return Finding::new(
            key,
            true,
            format!("schema.org {kind} (microdata)"),
            page,
            &evidence,
        );
    }
    let evidence = if page.json_ld().is_empty() && page.item_types().is_empty() {
        "no JSON-LD or microdata on the page".to_owned()
    } else {
        let mut types = seen;
        types.extend(page.item_types().iter().map(|t| bare_type(t).to_owned()));
        format!(
            "structured data present but no LocalBusiness type (found: {})",
            types.join(", ")
        )
    };
    Finding::new(
        key,
        false,
        "no schema.org LocalBusiness markup",
        page,
        &evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_in_every_spelling() {
        assert_eq!(local_business_type("Dentist"), Some("Dentist"));
        assert_eq!(
            local_business_type("https://schema.org/RoofingContractor"),
            Some("RoofingContractor")
        );
        assert_eq!(local_business_type("schema:HairSalon"), Some("HairSalon"));
        assert_eq!(
            local_business_type("http://schema.org/LegalService/"),
            Some("LegalService")
        );
        assert_eq!(local_business_type("Organization"), None);
        assert_eq!(local_business_type("WebSite"), None);
    }

    #[test]
    fn graphs_and_nested_objects_are_searched() {
        let value: Value = serde_json::from_str(
            r#"{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},
               {"@type":["Organization","Plumber"],"name":"Joe's Plumbing"}]}"#,
        )
        .unwrap_or_default();
        let mut seen = Vec::new();
        let found = find_local_business(&value, &mut seen).map(|(k, v)| (k, v["name"].clone()));
        assert_eq!(found, Some(("Plumber", Value::from("Joe's Plumbing"))));
        let nested: Value =
            serde_json::from_str(r#"{"@type":"WebPage","about":{"@type":"Restaurant"}}"#)
                .unwrap_or_default();
        assert_eq!(
            find_local_business(&nested, &mut seen).map(|(k, _)| k),
            Some("Restaurant")
        );
    }
}
