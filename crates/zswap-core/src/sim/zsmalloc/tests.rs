use super::*;

/// The 6.1 class table (index:size/pages/objects), from the rules of docs/kernel-notes.md §4.2.
const E1_TABLE: &str = "0:32/1/128 1:48/3/256 2:64/1/64 3:80/1/51 4:96/3/128 5:112/2/73 \
6:128/1/32 7:144/3/85 8:160/2/51 9:176/4/93 10:192/3/64 11:208/2/39 12:224/4/73 13:240/1/17 \
14:256/1/16 15:272/1/15 16:288/1/14 17:304/3/40 18:320/4/51 19:336/1/12 20:352/2/23 \
21:368/1/11 22:384/3/32 23:400/1/10 24:416/4/39 25:432/3/28 26:448/1/9 27:464/4/35 \
28:480/2/17 29:496/4/33 30:512/1/8 31:528/4/31 32:544/2/15 33:560/4/29 34:576/1/7 \
35:592/4/27 36:608/3/20 37:624/2/13 38:640/3/19 40:672/1/6 42:704/4/23 43:720/3/17 \
44:736/2/11 46:768/3/16 49:816/1/5 51:848/4/19 52:864/3/14 54:896/2/9 57:944/3/13 \
58:960/4/17 62:1024/1/4 66:1088/4/15 67:1104/3/11 71:1168/2/7 74:1216/3/10 76:1248/4/13 \
83:1360/1/3 91:1488/4/11 94:1536/3/8 100:1632/2/5 107:1744/3/7 111:1808/4/9 126:2048/1/2 \
144:2336/4/7 151:2448/3/5 168:2720/2/3 190:3072/3/4 202:3264/4/5 254:4096/1/1";

/// The 6.12+ class table (chain 8), from the rules of docs/kernel-notes.md §4.2.
const E2_TABLE: &str = "0:32/1/128 1:48/3/256 2:64/1/64 3:80/5/256 4:96/3/128 5:112/7/256 \
6:128/1/32 7:144/7/199 8:160/5/128 9:176/4/93 10:192/3/64 11:208/3/59 12:224/7/128 \
13:240/1/17 14:256/1/16 15:272/1/15 16:288/5/71 17:304/7/94 18:320/5/64 19:336/6/73 \
20:352/8/93 21:368/8/89 22:384/3/32 23:400/5/51 24:416/6/59 25:432/7/66 26:448/7/64 \
27:464/5/44 28:480/2/17 29:496/4/33 30:512/1/8 31:528/4/31 32:544/2/15 33:560/7/51 \
34:576/1/7 35:592/8/55 36:608/7/47 37:624/2/13 38:640/5/32 39:656/5/31 40:672/1/6 \
41:688/8/47 42:704/5/29 43:720/3/17 44:736/2/11 45:752/7/38 46:768/3/16 47:784/5/26 \
49:816/1/5 50:832/8/39 51:848/5/24 52:864/7/33 53:880/8/37 54:896/7/32 55:912/7/31 \
56:928/5/22 57:944/3/13 58:960/4/17 59:976/6/25 60:992/8/33 62:1024/1/4 64:1056/8/31 \
65:1072/5/19 66:1088/4/15 67:1104/3/11 68:1120/8/29 69:1136/5/18 71:1168/2/7 72:1184/7/24 \
73:1200/5/17 74:1216/3/10 75:1232/7/23 76:1248/4/13 78:1280/5/16 79:1296/7/22 83:1360/1/3 \
87:1424/8/23 88:1440/6/17 89:1456/5/14 91:1488/4/11 92:1504/7/19 94:1536/3/8 95:1552/8/21 \
96:1568/5/13 97:1584/7/18 100:1632/2/5 103:1680/7/17 104:1696/5/12 105:1712/8/19 \
107:1744/3/7 110:1792/7/16 111:1808/4/9 114:1856/5/11 116:1888/6/13 117:1904/7/15 \
118:1920/8/17 126:2048/1/2 134:2176/8/15 135:2192/7/13 137:2224/6/11 140:2272/5/9 \
144:2336/4/7 147:2384/7/12 151:2448/3/5 155:2512/8/13 158:2560/5/8 160:2592/7/11 \
168:2720/2/3 177:2864/7/10 180:2912/5/7 184:2976/8/11 190:3072/3/4 197:3184/7/9 \
202:3264/4/5 211:3408/5/6 217:3504/6/7 222:3584/7/8 225:3632/8/9 254:4096/1/1";

fn parse(table: &str) -> Vec<SizeClass> {
    table
        .split_whitespace()
        .map(|t| {
            let (i, rest) = t.split_once(':').unwrap();
            let v: Vec<u32> = rest.split('/').map(|x| x.parse().unwrap()).collect();
            SizeClass {
                index: i.parse().unwrap(),
                size: v[0],
                pages_per_zspage: v[1],
                objs_per_zspage: v[2],
            }
        })
        .collect()
}

#[test]
fn e1_table_is_the_spec_table() {
    let t = ClassTable::for_era(KernelEra::V6_1);
    assert_eq!(t.classes().len(), 69);
    assert_eq!(t.classes(), parse(E1_TABLE).as_slice());
    assert_eq!(t.huge_class_size(), 3257);
}

#[test]
fn e2_and_e3_tables_are_the_spec_table() {
    for era in [KernelEra::V6_12, KernelEra::V6_18] {
        let t = ClassTable::for_era(era);
        assert_eq!(t.classes().len(), 119);
        assert_eq!(t.classes(), parse(E2_TABLE).as_slice());
        assert_eq!(t.huge_class_size(), 3625);
    }
}

#[test]
fn worked_examples_pick_the_spec_classes() {
    let e1 = ClassTable::for_era(KernelEra::V6_1);
    let e2 = ClassTable::for_era(KernelEra::V6_12);
    let cases: [(u32, usize, usize); 8] = [
        (100, 5, 5),
        (1200, 74, 74),
        (2048, 144, 134),
        (2500, 168, 155),
        (3300, 254, 211),
        (3600, 254, 225),
        (3700, 254, 254),
        (4096, 254, 254),
    ];
    for (len, i1, i2) in cases {
        assert_eq!(e1.class_for(len).index, i1, "E1 len {len}");
        assert_eq!(e2.class_for(len).index, i2, "E2 len {len}");
    }
}

#[test]
fn huge_threshold_is_exact() {
    let e2 = ClassTable::for_era(KernelEra::V6_18);
    assert_eq!(e2.class_for(3624).size, 3632);
    assert_eq!(e2.class_for(3625).size, 4096);
    let e1 = ClassTable::for_era(KernelEra::V6_1);
    assert_eq!(e1.class_for(3256).size, 3264);
    assert_eq!(e1.class_for(3257).size, 4096);
}

#[test]
fn fifteen_2048_objects_fill_one_8_page_zspage() {
    let mut p = ZsPool::new(KernelEra::V6_12);
    for _ in 0..15 {
        p.malloc(2048).unwrap();
    }
    assert_eq!(p.total_pages(), 8);
    p.malloc(2048).unwrap();
    assert_eq!(p.total_pages(), 16);
}

#[test]
fn freeing_last_object_frees_the_zspage() {
    let mut p = ZsPool::new(KernelEra::V6_18);
    let h: Vec<_> = (0..16).map(|_| p.malloc(2048).unwrap()).collect();
    p.free(h[15]);
    assert_eq!(p.total_pages(), 8);
    for x in &h[..14] {
        p.free(*x);
    }
    assert_eq!(p.total_pages(), 8);
    p.free(h[14]);
    assert_eq!(p.total_pages(), 0);
    assert_eq!(p.objects(), 0);
}

#[test]
fn free_list_is_lifo() {
    let mut p = ZsPool::new(KernelEra::V6_12);
    let a = p.malloc(100).unwrap();
    let b = p.malloc(100).unwrap();
    let c = p.malloc(100).unwrap();
    assert_eq!(p.location(a).unwrap().1, 0);
    assert_eq!(p.location(c).unwrap().1, 2);
    p.free(a);
    p.free(b);
    let d = p.malloc(100).unwrap();
    assert_eq!(
        p.location(d).unwrap().1,
        1,
        "last freed slot is reused first"
    );
}

#[test]
fn e2_prefers_the_fullest_zspage() {
    // class 2176: 15 objects per zspage
    let mut p = ZsPool::new(KernelEra::V6_12);
    let h: Vec<_> = (0..30).map(|_| p.malloc(2048).unwrap()).collect();
    let z0 = p.location(h[0]).unwrap().0;
    let z1 = p.location(h[15]).unwrap().0;
    // zspage 0 down to 3/15 (20%), zspage 1 down to 13/15 (86%)
    for x in &h[3..15] {
        p.free(*x);
    }
    for x in &h[15..17] {
        p.free(*x);
    }
    let n = p.malloc(2048).unwrap();
    assert_eq!(p.location(n).unwrap().0, z1);
    assert_ne!(z0, z1);
}

#[test]
fn e1_prefers_almost_full_group() {
    // E1 class 2336: 7 objects; ALMOST_EMPTY iff inuse <= 5
    let mut p = ZsPool::new(KernelEra::V6_1);
    let h: Vec<_> = (0..14).map(|_| p.malloc(2048).unwrap()).collect();
    let z1 = p.location(h[7]).unwrap().0;
    for x in &h[1..7] {
        p.free(*x); // zspage 0: 1 in use, almost empty
    }
    p.free(h[7]); // zspage 1: 6 in use, almost full
    let n = p.malloc(2048).unwrap();
    assert_eq!(p.location(n).unwrap().0, z1);
}

#[test]
fn oversize_errors_follow_the_era() {
    assert_eq!(
        ZsPool::new(KernelEra::V6_1).malloc(4097),
        Err(ZsError::Invalid)
    );
    assert_eq!(
        ZsPool::new(KernelEra::V6_12).malloc(4097),
        Err(ZsError::NoSpace)
    );
    assert_eq!(
        ZsPool::new(KernelEra::V6_18).malloc(0),
        Err(ZsError::Invalid)
    );
}

#[test]
fn pages_equal_sum_over_zspages() {
    let mut p = ZsPool::new(KernelEra::V6_18);
    let mut hs = Vec::new();
    for i in 0..500usize {
        hs.push(p.malloc(1 + (i * 977) % 4096).unwrap());
        if i % 3 == 0 {
            let h = hs.remove((i * 31) % hs.len());
            p.free(h);
        }
        assert_eq!(p.total_pages(), p.zspage_pages_sum());
    }
}
