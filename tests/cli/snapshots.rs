//! Snapshots of every command's table and JSON output for the built-in examples at a fixed seed:
//! a refactor that changes a number, a label or a key shows as a diff to review
//! (`cargo insta review`, or `INSTA_UPDATE=always cargo test` then `git diff`).

use super::{agentcost, example_names, stdout_of};

fn text(args: &[&str]) -> String {
    String::from_utf8(stdout_of(agentcost().args(args))).expect("output is UTF-8")
}

const SMALL: [&str; 6] = ["--documents", "1500", "--replications", "3", "--seed", "7"];

#[test]
fn simulate_tables_and_json_of_every_example() {
    for name in example_names() {
        for format in ["table", "json"] {
            let mut args = vec!["simulate", name.as_str(), "--format", format];
            args.extend(SMALL);
            insta::assert_snapshot!(format!("simulate-{name}-{format}"), text(&args));
        }
    }
}

#[test]
fn capacity_table_and_json() {
    let mut args = vec!["capacity", "month-end-burst", "--quota", "200,1000"];
    args.extend(SMALL);
    insta::assert_snapshot!("capacity-table", text(&args));
    args.push("--json");
    insta::assert_snapshot!("capacity-json", text(&args));
}

#[test]
fn sweep_table_json_and_csv() {
    for format in ["table", "json", "csv"] {
        let mut args = vec![
            "sweep",
            "legal-review-long",
            "--vary",
            "document.llm_calls.mean=5..45:3",
            "--format",
            format,
        ];
        args.extend(["--documents", "300", "--replications", "2", "--seed", "7"]);
        insta::assert_snapshot!(format!("sweep-{format}"), text(&args));
    }
}
