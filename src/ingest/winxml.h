/* winxml.h: one Windows event rendered as XML (<Event><System>..</System><EventData>..
 * </EventData></Event>, as wevtutil, Get-WinEvent's ToXml(), Splunk's XmlWinEventLog and
 * Sysmon for Linux write it) to the raw fields the JSON and EVTX readers give, so a rule
 * sees the same names whatever the container. Shared by the XML and Sysmon for Linux
 * readers. */
#ifndef TS_INGEST_WINXML_H
#define TS_INGEST_WINXML_H

#include "ingest/rd.h"

/* Adds the fields of the event in p[0..n) to the record begun on c: System values by
 * element name (EventID, Channel, Computer, EventRecordID ...), System attributes as
 * Element_Attribute (Provider_Name, TimeCreated_SystemTime, Execution_ProcessID ...),
 * <Data Name="X">v</Data> as X (an unnamed one as Data), UserData's innermost elements by
 * name. Text is unescaped (entities and character references) into c's arena; the keys and
 * the values without escapes borrow p, which must outlive the record. Returns NULL when the
 * whole event was read, else what stopped it (the fields read until then stay). */
const char *ts_winxml_fields(rd_ctx *c, const char *p, size_t n);

/* The offset of the first "<Event" element (not "<Events>") in p[0..n), or n if none. */
size_t ts_winxml_find(const char *p, size_t n);

/* Typed fields, dataset (linux.sysmon), category and action of a Sysmon for Linux event
 * (provider Linux-Sysmon) from its raw fields; sysmon_linux.c. */
void ts_linux_sysmon_normalise(ts_event *ev);

/* Reads one Sysmon for Linux event, the XML p[0..n) found on a syslog line, as one
 * record on line (linux-auth calls this for the sysmon lines of a mixed syslog file). */
void ts_sysmon_linux_event(rd_ctx *c, uint64_t line, const char *p, size_t n);

/* The provider of the raw fields, when it is Sysmon for Linux's. */
bool ts_winxml_linux_sysmon(const ts_event *ev);

#endif
