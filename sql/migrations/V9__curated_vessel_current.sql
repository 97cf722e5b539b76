-- One row per vessel with what holds today: the starting point for BI.
CREATE VIEW curated.vessel_current AS
SELECT v.vessel_id,
       v.imo_number,
       n.name,
       f.flag_state,
       ARRAY(SELECT rv.rfmo_code
               FROM curated.rfmo_vessel rv
              WHERE rv.vessel_id = v.vessel_id AND rv.authorized @> current_date
              ORDER BY rv.rfmo_code) AS authorized_rfmos
  FROM curated.vessel v
  LEFT JOIN curated.vessel_name n ON n.vessel_id = v.vessel_id AND n.valid_during @> current_date
  LEFT JOIN curated.vessel_flag f ON f.vessel_id = v.vessel_id AND f.valid_during @> current_date;
COMMENT ON VIEW curated.vessel_current IS 'Current name, flag and RFMO authorizations per vessel.';
