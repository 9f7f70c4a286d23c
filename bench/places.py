"""Static Indian place data for planted street addresses.

Kept apart from the factories so the lists can grow without pushing ``values.py`` past a
readable size. PIN prefixes are each city's real 3-digit postal sorting district, so an
address's PIN agrees with its city as it does in real shipping data.
"""

from __future__ import annotations

# (city, state, 3-digit PIN prefix, localities)
CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Bengaluru", "Karnataka", "560", ("Indiranagar", "Koramangala 4th Block", "HSR Layout",
     "Jayanagar", "Whitefield", "Malleshwaram", "BTM Layout", "Electronic City Phase 1")),
    ("Mumbai", "Maharashtra", "400", ("Andheri West", "Bandra East", "Powai", "Dadar",
     "Borivali West", "Chembur", "Malad East", "Ghatkopar")),
    ("New Delhi", "Delhi", "110", ("Lajpat Nagar", "Karol Bagh", "Dwarka Sector 12",
     "Rohini", "Saket", "Janakpuri", "Mayur Vihar Phase 1")),
    ("Chennai", "Tamil Nadu", "600", ("T. Nagar", "Adyar", "Velachery", "Anna Nagar",
     "Mylapore", "Tambaram")),
    ("Hyderabad", "Telangana", "500", ("Ameerpet", "Banjara Hills", "Gachibowli",
     "Kukatpally", "Madhapur", "Secunderabad")),
    ("Kolkata", "West Bengal", "700", ("Salt Lake Sector V", "Ballygunge", "Behala",
     "Park Street", "New Town")),
    ("Pune", "Maharashtra", "411", ("Kothrud", "Hinjewadi Phase 2", "Viman Nagar",
     "Baner", "Hadapsar")),
    ("Ahmedabad", "Gujarat", "380", ("Navrangpura", "Satellite", "Maninagar", "Bopal")),
    ("Jaipur", "Rajasthan", "302", ("Malviya Nagar", "Vaishali Nagar", "Mansarovar",
     "C-Scheme")),
    ("Lucknow", "Uttar Pradesh", "226", ("Gomti Nagar", "Hazratganj", "Aliganj", "Indira Nagar")),
    ("Gurugram", "Haryana", "122", ("DLF Phase 3", "Sohna Road", "Sector 56", "Palam Vihar")),
    ("Noida", "Uttar Pradesh", "201", ("Sector 62", "Sector 18", "Sector 137")),
    ("Kochi", "Kerala", "682", ("Kakkanad", "Edappally", "Fort Kochi", "Vyttila")),
    ("Chandigarh", "Chandigarh", "160", ("Sector 22", "Sector 35", "Manimajra")),
    ("Indore", "Madhya Pradesh", "452", ("Vijay Nagar", "Palasia", "Rajendra Nagar")),
    ("Patna", "Bihar", "800", ("Boring Road", "Kankarbagh", "Rajendra Nagar")),
    ("Bhubaneswar", "Odisha", "751", ("Saheed Nagar", "Patia", "Nayapalli")),
    ("Guwahati", "Assam", "781", ("Dispur", "Zoo Road", "Beltola")),
    ("Coimbatore", "Tamil Nadu", "641", ("RS Puram", "Peelamedu", "Saibaba Colony")),
    ("Nagpur", "Maharashtra", "440", ("Dharampeth", "Sitabuldi", "Manish Nagar")),
    ("Surat", "Gujarat", "395", ("Adajan", "Vesu", "Athwa Lines")),
    ("Visakhapatnam", "Andhra Pradesh", "530", ("MVP Colony", "Dwaraka Nagar", "Gajuwaka")),
    ("Thiruvananthapuram", "Kerala", "695", ("Pattom", "Kowdiar", "Vazhuthacaud")),
    ("Mysuru", "Karnataka", "570", ("Vijayanagar 2nd Stage", "Kuvempunagar", "Saraswathipuram")),
)  # fmt: skip

HOUSE_FORMATS: tuple[str, ...] = (
    "{n}", "#{n}", "Flat {n}", "Flat No. {n}{a}", "H.No. {b}-{n}", "Plot No. {n}", "{a}-{n}",
    "No. {n}", "Door No. {b}/{n}", "House No. {n}", "{n}/{b}",
)  # fmt: skip

ROADS: tuple[str, ...] = (
    "MG Road", "{n}{o} Cross", "{n}{o} Main Road", "100 Feet Road", "Link Road", "Station Road",
    "Nehru Street", "{s} Nagar", "Sector {n}", "{s} Colony", "Gandhi Marg", "Ring Road",
    "Church Street", "{n}{o} Block", "{s} Layout", "Old Airport Road", "Temple Street",
    "{s} Road", "Park Avenue", "Main Bazaar Road", "{n}{o} Avenue", "SV Road", "LBS Marg",
)  # fmt: skip

BUILDINGS: tuple[str, ...] = (
    "Sai Residency", "Prestige Shantiniketan", "Green Glen Apartments", "{s} Towers",
    "Sunshine Enclave", "Lotus Heights", "Shanti Kunj", "Royal Palms", "{s} Complex",
    "Silver Oak Apartments",
)  # fmt: skip

LANDMARKS: tuple[str, ...] = (
    "City Hospital", "Bus Stand", "SBI ATM", "Shiv Mandir", "Metro Station", "Railway Station",
    "Government School", "Big Bazaar", "Post Office", "Water Tank",
)  # fmt: skip
