// Package continuity holds the rules of service continuity: what the
// emergency playbook (应急预案) does when a staff member goes missing
// (失踪) or leaves (离职), who takes what they hold (客户归属, the holding
// of merchants), who becomes a merchant's backup manager (备岗), how the
// affected merchants are told and what the incident's checklist and
// timeline say. The rules are plain Go: storage loads the rows, asks these
// functions what to do and writes the answers in its unit of work, so the
// decisions are tested here without a database.
//
// Glossary, once in Chinese beside the English used in the code:
// emergency playbook 应急预案, incident 应急事件, handover 移交,
// backup manager 备岗客户经理, onboarding stage 进件阶段,
// risk report 风险报告, checklist 检查项, timeline 时间线.
package continuity
