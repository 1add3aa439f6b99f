"""The category tree every listing sits in. Seeded by a data migration and,
in tests after a database flush, by `seed_categories()`."""

# slug, English, Korean, children [(slug, English, Korean)]
CATEGORY_TREE = [
    ("tools", "Tools", "공구", [
        ("power-tools", "Power tools", "전동 공구"),
        ("hand-tools", "Hand tools", "수공구"),
        ("garden", "Garden", "원예"),
        ("ladders", "Ladders and scaffolding", "사다리"),
    ]),
    ("kitchen", "Kitchen", "주방", [
        ("appliances", "Appliances", "주방 가전"),
        ("cookware", "Cookware", "조리 도구"),
    ]),
    ("kids", "Kids", "아이", [
        ("strollers", "Strollers and car seats", "유모차·카시트"),
        ("toys", "Toys and games", "장난감"),
        ("kids-clothes", "Kids' clothes", "아동복"),
    ]),
    ("sports-outdoors", "Sports and outdoors", "스포츠·아웃도어", [
        ("camping", "Camping", "캠핑"),
        ("bikes", "Bikes", "자전거"),
        ("sports-gear", "Sports gear", "운동 용품"),
    ]),
    ("electronics", "Electronics", "전자 제품", [
        ("cameras", "Cameras", "카메라"),
        ("projectors", "Projectors and screens", "프로젝터"),
        ("audio", "Audio", "음향"),
    ]),
    ("books-media", "Books and media", "책·미디어", [
        ("books", "Books", "책"),
        ("board-games", "Board games", "보드게임"),
    ]),
    ("party-events", "Party and events", "파티·행사", [
        ("tables-chairs", "Tables and chairs", "테이블·의자"),
        ("decorations", "Decorations", "장식"),
    ]),
    ("mobility", "Mobility", "이동 수단", [
        ("cars", "Cars", "자동차"),
        ("scooters", "Scooters", "킥보드"),
        ("carts", "Carts and trolleys", "카트"),
    ]),
    ("spaces", "Spaces", "공간", [
        ("meeting-rooms", "Meeting rooms", "회의실"),
        ("studios", "Studios and workshops", "작업실"),
        ("kitchens", "Shared kitchens", "공유 주방"),
        ("storage", "Storage", "보관 공간"),
    ]),
    ("services", "Services", "서비스", [
        ("repair", "Repair", "수리"),
        ("lessons", "Lessons", "강습"),
        ("care", "Care", "돌봄"),
    ]),
]


def seed_categories(category_model=None) -> None:
    """Create or update the tree; running it again changes nothing."""
    if category_model is None:
        from listings.models import Category as category_model
    for position, (slug, name_en, name_ko, children) in enumerate(CATEGORY_TREE):
        parent, _ = category_model.objects.update_or_create(
            slug=slug,
            defaults={"name_en": name_en, "name_ko": name_ko, "parent": None,
                      "position": position},
        )
        for child_position, (child_slug, child_en, child_ko) in enumerate(children):
            category_model.objects.update_or_create(
                slug=child_slug,
                defaults={"name_en": child_en, "name_ko": child_ko, "parent": parent,
                          "position": child_position},
            )
